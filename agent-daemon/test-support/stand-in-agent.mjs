#!/usr/bin/env node
/**
 * A scriptable stand-in for an agent CLI, run by the `custom` adapter (one process per turn).
 * Usage: node stand-in-agent.mjs SCRIPT.json — the turn's input arrives on stdin, the turn number
 * in OPENASE_TURN. It first echoes the input as a `message` (role user), then follows the steps of
 * `turns[OPENASE_TURN - 1]` (the last entry repeats), printing normalized run events as JSON lines:
 *   { "text": "…" }                         an assistant message
 *   { "write": { "path": "a/b.txt", "content": "…" } }   writes a file (relative to the cwd)
 *   { "run": ["cmd", "arg", …] }            runs a program WITHOUT a shell; a `command` event with its output
 *   { "env": ["OPENASE_TICKET", …] }        a `message` (role system) with those variables as JSON
 *   { "event": { "type": "…", … } }         prints an event verbatim
 *   { "hang": true }                        waits until killed (cancel tests)
 *   { "pidfile": "/abs/file" }              writes its process id there
 *   { "exit": 3 }                           exits with that code
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const emit = (event) => process.stdout.write(`${JSON.stringify(event)}\n`);
const script = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const turn = Number(process.env.OPENASE_TURN || '1');
const turns = script.turns ?? [];
const steps = turns.length ? turns[Math.min(turn, turns.length) - 1].steps ?? [] : [];

const input = fs.readFileSync(0, 'utf8');
emit({ type: 'message', role: 'user', text: input });
for (const step of steps) {
  if (step.text !== undefined) emit({ type: 'message', role: 'assistant', text: step.text });
  else if (step.write) {
    fs.mkdirSync(path.dirname(path.resolve(step.write.path)), { recursive: true });
    const existed = fs.existsSync(step.write.path);
    fs.writeFileSync(step.write.path, step.write.content);
    emit({ type: 'file.change', path: step.write.path, kind: existed ? 'update' : 'add' });
  } else if (step.run) {
    const [cmd, ...args] = step.run;
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    const output = `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? r.error.message : ''}`.trim();
    emit({ type: 'command', command: step.run.join(' '), status: r.status === 0 ? 'completed' : 'failed', exitCode: r.status ?? null, output });
  } else if (step.env) emit({ type: 'message', role: 'system', text: JSON.stringify(Object.fromEntries(step.env.map((k) => [k, process.env[k] ?? null]))) });
  else if (step.event) emit(step.event);
  else if (step.pidfile) fs.writeFileSync(step.pidfile, String(process.pid));
  else if (step.hang) setInterval(() => {}, 1 << 30);
  else if (step.exit !== undefined) process.exit(step.exit);
}
if (!steps.some((s) => s.hang)) process.exitCode = 0;
