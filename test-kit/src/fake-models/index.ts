export { startFakeModelServer, type FakeApi, type FakeModelServer, type FakeRequestRecord } from './server.js';
export { type FakeScript, type FakeStep } from './script.js';
export { addFilePatch, usageLimitError } from './openai-responses.js';
export { anthropicRateLimitError } from './anthropic.js';
export { geminiQuotaError } from './gemini.js';
export { useFakeModelServer } from './use-server.js';
