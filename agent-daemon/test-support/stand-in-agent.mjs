#!/usr/bin/env node
/**
 * A scriptable stand-in agent speaking the custom adapter's contract: it reads the turn's prompt
 * on stdin and prints normalized run events as JSON lines. Other tests (orchestrator, web, fleet)
 * use it wherever a real agent would be too slow or too random.
 *
 * The script is JSON, from `--script FILE`, or $STAND_IN_SCRIPT (a file) or $STAND_IN_SCRIPT_JSON:
 *   { "sessionId": "s-1",                       // optional; else $OPENASE_RESUME_SESSION_ID or random
 *     "turns": [ { "steps": [ STEP, … ] }, … ]  // turn N uses turns[N-1], the last one repeats
 *   }   (a bare { "steps": [...] } is one turn)
 * STEP is one of:
 *   { "message": "text" }                    assistant message
 *   { "echoPrompt": true }                   the prompt it got, as a user message
 *   { "writeFile": { "path": "a.txt", "content": "…" } }   write (relative to cwd) + tool events + file.change
 *   { "run": "git status" }                  run through /bin/sh, report tool.call, command, tool.result
 *   { "emit": { "type": "…", … } }           print any event as is
 *   { "print": "any text" }                  print a raw line (to test invalid output)
 *   { "stderr": "text" }                     write a line to stderr
 *   { "usage": { "input": 100, "output": 10, "cached": 0 } }
 *   { "rateLimit": { "message": "…", "resetAt": "ISO" } }
 *   { "waitForFile": "path" }                wait until the file exists (poll), e.g. to hold a run open
 *   { "hang": true }                         wait until killed
 *   { "result": { "ok": false, "text": "…" } }   the final word (default: ok with the last message)
 *   { "exit": 3 }                            exit now with this code (no result line)
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const print = (event) => process.stdout.write(JSON.stringify(event) + '\n');

function loadScript() {
  const index = process.argv.indexOf('--script');
  if (index > 0 && process.argv[index + 1]) return JSON.parse(readFileSync(process.argv[index + 1], 'utf8'));
  if (process.env.STAND_IN_SCRIPT) return JSON.parse(readFileSync(process.env.STAND_IN_SCRIPT, 'utf8'));
  if (process.env.STAND_IN_SCRIPT_JSON) return JSON.parse(process.env.STAND_IN_SCRIPT_JSON);
  return { steps: [{ echoPrompt: true }, { message: 'done' }] };
}

async function readStdin() {
  if (process.stdin.isTTY) return '';
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  const script = loadScript();
  const prompt = await readStdin();
  const turnNumber = Number(process.env.OPENASE_TURN ?? '1');
  const turns = script.turns ?? [{ steps: script.steps ?? [] }];
  const turn = turns[Math.min(turnNumber, turns.length) - 1] ?? { steps: [] };
  const sessionId = process.env.OPENASE_RESUME_SESSION_ID || script.sessionId || randomUUID();
  print({ type: 'session.started', sessionId, model: 'stand-in' });
  let lastMessage;
  let calls = 0;
  for (const step of turn.steps ?? []) {
    if ('message' in step) {
      lastMessage = step.message;
      print({ type: 'message', role: 'assistant', text: step.message });
    } else if (step.echoPrompt) {
      print({ type: 'message', role: 'user', text: prompt });
    } else if (step.writeFile) {
      const id = `call-${++calls}`;
      const target = path.resolve(process.cwd(), step.writeFile.path);
      const existed = existsSync(target);
      print({ type: 'tool.call', id, name: 'write_file', input: step.writeFile });
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, step.writeFile.content);
      print({ type: 'tool.result', id, ok: true, output: `wrote ${step.writeFile.path}` });
      print({ type: 'file.change', path: step.writeFile.path, kind: existed ? 'update' : 'add' });
    } else if (step.run) {
      const id = `call-${++calls}`;
      print({ type: 'tool.call', id, name: 'shell', input: { command: step.run } });
      const ran = spawnSync('/bin/sh', ['-c', step.run], { encoding: 'utf8', env: process.env });
      const output = `${ran.stdout ?? ''}${ran.stderr ?? ''}`;
      const exitCode = ran.status ?? 1;
      print({ type: 'command', id, command: step.run, status: exitCode === 0 ? 'completed' : 'failed', exitCode, output });
      print({ type: 'tool.result', id, ok: exitCode === 0, output });
    } else if (step.emit) {
      print(step.emit);
    } else if ('print' in step) {
      process.stdout.write(`${step.print}\n`);
    } else if ('stderr' in step) {
      process.stderr.write(`${step.stderr}\n`);
    } else if (step.usage) {
      print({ type: 'usage', inputTokens: step.usage.input ?? 0, outputTokens: step.usage.output ?? 0, cachedTokens: step.usage.cached ?? 0 });
    } else if (step.rateLimit) {
      print({ type: 'rate_limit', message: step.rateLimit.message ?? 'rate limited', ...(step.rateLimit.resetAt ? { resetAt: step.rateLimit.resetAt } : {}) });
    } else if (step.waitForFile) {
      while (!existsSync(path.resolve(process.cwd(), step.waitForFile))) await sleep(50);
    } else if (step.hang) {
      await new Promise(() => setInterval(() => undefined, 60_000));
    } else if (step.result) {
      print({ type: 'result', ok: step.result.ok !== false, ...(step.result.text ? { text: step.result.text } : {}), ...(step.result.reason ? { reason: step.result.reason } : {}) });
      process.exit(step.result.ok === false ? 1 : 0);
    } else if ('exit' in step) {
      process.exit(step.exit);
    } else {
      process.stderr.write(`stand-in agent: unknown step ${JSON.stringify(step)}\n`);
      process.exit(2);
    }
  }
  print({ type: 'result', ok: true, ...(lastMessage ? { text: lastMessage } : {}) });
}

main().catch((error) => {
  process.stderr.write(`stand-in agent failed: ${error?.stack ?? error}\n`);
  process.exit(1);
});
