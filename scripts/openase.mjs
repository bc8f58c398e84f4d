import { bundlePath, ensureBuilt, ensureInstalled } from './lib/bootstrap.mjs';

ensureInstalled();
ensureBuilt();
await import(bundlePath);
