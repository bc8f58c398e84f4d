export { startFakeModelServer, type FakeApi, type FakeModelServer, type FakeRequestRecord } from './server.js';
export { type FakeScript, type FakeStep } from './script.js';
export { addFilePatch } from './openai-responses.js';
