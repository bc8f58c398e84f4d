#!/usr/bin/env node
/**
 * A scriptable stand-in for an agent CLI, run by the `custom` adapter (one process per turn). It
 * reads the turn's input on stdin, echoes it as a `message` (role user), then follows the steps of
 * `turns[OPENASE_TURN - 1]` (the last entry repeats), printing normalized run events as JSON lines.
 * Other tests (daemon, orchestrator, web) use it wherever a real agent would be slow or random.
 *
 * The script is JSON: `node stand-in-agent.mjs SCRIPT.json`, or `--script FILE`, or $STAND_IN_SCRIPT
 * (a file), or $STAND_IN_SCRIPT_JSON (inline):
 *   { "sessionId": "s-1",                       // optional: printed as session.started (else
 * $OPENASE_RESUME_SESSION_ID)
 *     "turns": [ { "steps": [ STEP, … ] }, … ] } // a bare { "steps": [...] } is one turn
 * STEP is one of:
 *   { "text": "…" } or { "message": "…" }   an assistant message
 *   { "write": { "path": "a/b.txt", "content": "…" } }      writes a file (relative to the cwd); file.change
 *   { "writeFile": { "path": "…", "content": "…" } }        the same as a tool call: tool.call, tool.result,
 * file.change
 *   { "run": ["cmd", "arg", …] }            runs a program WITHOUT a shell; a `command` event with its output
 *   { "run": "git status && ls" }           runs through /bin/sh as a tool call: tool.call, command, tool.result
 *   { "env": ["OPENASE_TICKET", …] }        a `message` (role system) with those variables as JSON
 *   { "event": { "type": "…", … } } or { "emit": … }   prints an event verbatim
 *   { "print": "any text" }                 prints a raw line (to test invalid output)
 *   { "stderr": "text" }                    writes a line to stderr
 *   { "usage": { "input": 100, "output": 10, "cached": 0 } }
 *   { "rateLimit": { "message": "…", "resetAt": "ISO" } }
 *   { "waitForFile": "path" }               waits until the file exists (polls), to hold a turn open
 *   { "hang": true }                        waits until killed (cancel tests)
 *   { "pidfile": "/abs/file" }              writes its process id there
 *   { "result": { "ok": false, "text": "…" } }   prints the final word and exits (1 when not ok)
 *   { "exit": 3 }                           exits with that code
 *   { "when": { "input": "regex" }, "then": [STEP…], "else": [STEP…] }   steps by what the turn's input says
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const emit = (event) => process.stdout.write(`${JSON.stringify(event)}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function loadScript() {
  const flag = process.argv.indexOf('--script');
  if (flag > 0) return JSON.parse(fs.readFileSync(process.argv[flag + 1], 'utf8'));
  if (process.argv[2]) return JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  if (process.env.STAND_IN_SCRIPT) return JSON.parse(fs.readFileSync(process.env.STAND_IN_SCRIPT, 'utf8'));
  if (process.env.STAND_IN_SCRIPT_JSON) return JSON.parse(process.env.STAND_IN_SCRIPT_JSON);
  return { steps: [{ text: 'done' }] };
}

async function main() {
  const script = loadScript();
  const turn = Number(process.env.OPENASE_TURN || '1');
  const turns = script.turns ?? (script.steps ? [{ steps: script.steps }] : []);
  const steps = turns.length ? (turns[Math.min(turn, turns.length) - 1].steps ?? []) : [];
  const input = fs.readFileSync(0, 'utf8');
  const sessionId = process.env.OPENASE_RESUME_SESSION_ID || script.sessionId;
  if (sessionId) emit({ type: 'session.started', sessionId, model: 'stand-in' });
  emit({ type: 'message', role: 'user', text: input });
  await runSteps(steps, input);
}

let calls = 0;

async function runSteps(steps, input) {
  for (const step of steps) {
    if (step.when !== undefined)
      await runSteps(new RegExp(step.when.input ?? '').test(input) ? (step.then ?? []) : (step.else ?? []), input);
    else if (step.text !== undefined || step.message !== undefined)
      emit({ type: 'message', role: 'assistant', text: step.text ?? step.message });
    else if (step.write) {
      fs.mkdirSync(path.dirname(path.resolve(step.write.path)), { recursive: true });
      const existed = fs.existsSync(step.write.path);
      fs.writeFileSync(step.write.path, step.write.content);
      emit({ type: 'file.change', path: step.write.path, kind: existed ? 'update' : 'add' });
    } else if (step.writeFile) {
      const id = `call-${++calls}`;
      const target = path.resolve(step.writeFile.path);
      const existed = fs.existsSync(target);
      emit({ type: 'tool.call', id, name: 'write_file', input: step.writeFile });
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, step.writeFile.content);
      emit({ type: 'tool.result', id, ok: true, output: `wrote ${step.writeFile.path}` });
      emit({ type: 'file.change', path: step.writeFile.path, kind: existed ? 'update' : 'add' });
    } else if (Array.isArray(step.run)) {
      const [cmd, ...args] = step.run;
      const r = spawnSync(cmd, args, { encoding: 'utf8' });
      const output = `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? r.error.message : ''}`.trim();
      emit({
        type: 'command',
        command: step.run.join(' '),
        status: r.status === 0 ? 'completed' : 'failed',
        exitCode: r.status ?? null,
        output,
      });
    } else if (typeof step.run === 'string') {
      const id = `call-${++calls}`;
      emit({ type: 'tool.call', id, name: 'shell', input: { command: step.run } });
      const r = spawnSync('/bin/sh', ['-c', step.run], { encoding: 'utf8' });
      const output = `${r.stdout ?? ''}${r.stderr ?? ''}`;
      const exitCode = r.status ?? 1;
      emit({
        type: 'command',
        id,
        command: step.run,
        status: exitCode === 0 ? 'completed' : 'failed',
        exitCode,
        output,
      });
      emit({ type: 'tool.result', id, ok: exitCode === 0, output });
    } else if (step.env)
      emit({
        type: 'message',
        role: 'system',
        text: JSON.stringify(Object.fromEntries(step.env.map((k) => [k, process.env[k] ?? null]))),
      });
    else if (step.event !== undefined || step.emit !== undefined) emit(step.event ?? step.emit);
    else if (step.print !== undefined) process.stdout.write(`${step.print}\n`);
    else if (step.stderr !== undefined) process.stderr.write(`${step.stderr}\n`);
    else if (step.usage)
      emit({
        type: 'usage',
        inputTokens: step.usage.input ?? 0,
        outputTokens: step.usage.output ?? 0,
        cachedTokens: step.usage.cached ?? 0,
      });
    else if (step.rateLimit)
      emit({
        type: 'rate_limit',
        message: step.rateLimit.message ?? 'rate limited',
        ...(step.rateLimit.resetAt ? { resetAt: step.rateLimit.resetAt } : {}),
      });
    else if (step.waitForFile) while (!fs.existsSync(path.resolve(step.waitForFile))) await sleep(50);
    else if (step.pidfile) fs.writeFileSync(step.pidfile, String(process.pid));
    else if (step.hang) await new Promise(() => setInterval(() => {}, 1 << 30));
    else if (step.result) {
      emit({
        type: 'result',
        ok: step.result.ok !== false,
        ...(step.result.text ? { text: step.result.text } : {}),
        ...(step.result.reason ? { reason: step.result.reason } : {}),
      });
      process.exit(step.result.ok === false ? 1 : 0);
    } else if (step.exit !== undefined) process.exit(step.exit);
    else {
      process.stderr.write(`stand-in agent: unknown step ${JSON.stringify(step)}\n`);
      process.exit(2);
    }
  }
}

main().catch((error) => {
  process.stderr.write(`stand-in agent failed: ${error?.stack ?? error}\n`);
  process.exit(1);
});
