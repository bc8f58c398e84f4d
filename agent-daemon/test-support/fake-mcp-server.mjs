#!/usr/bin/env node
/**
 * A tiny MCP server over stdio (JSON-RPC 2.0, one message per line) with one tool,
 * `lookup_ticket {id}` → "Ticket <id> is open (fake).". Used to prove that the adapters hand the
 * run's MCP servers to the real CLIs.
 */
import { createInterface } from 'node:readline';

const send = (message) => process.stdout.write(JSON.stringify({ jsonrpc: '2.0', ...message }) + '\n');
const tool = {
  name: 'lookup_ticket',
  description: 'Look up an OpenASE ticket by id',
  inputSchema: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
};

createInterface({ input: process.stdin }).on('line', (line) => {
  let message;
  try {
    message = JSON.parse(line);
  } catch {
    return;
  }
  if (message.id === undefined) return; // notifications
  switch (message.method) {
    case 'initialize':
      return send({
        id: message.id,
        result: {
          protocolVersion: message.params?.protocolVersion ?? '2025-06-18',
          capabilities: { tools: {} },
          serverInfo: { name: 'fake-tickets', version: '1.0.0' },
        },
      });
    case 'tools/list':
      return send({ id: message.id, result: { tools: [tool] } });
    case 'tools/call':
      return send({
        id: message.id,
        result: { content: [{ type: 'text', text: `Ticket ${message.params?.arguments?.id ?? '?'} is open (fake).` }] },
      });
    case 'ping':
      return send({ id: message.id, result: {} });
    default:
      return send({ id: message.id, error: { code: -32601, message: `no method ${message.method}` } });
  }
});
