import fs from 'node:fs';
import path from 'node:path';
import { LIMITS } from '@openase/shared';
import { CliError, apiClientFromEnv } from '../client.js';
import {
  JSON_OPTION,
  UsageError,
  requireOption,
  requirePositional,
  type GroupBody,
  type CommandIo,
  type OptionSpec,
  type ParsedArgs,
} from '../command.js';
import { printFields, printJson, printTable } from '../output.js';
import { checkSkillPath } from '../../skills/files.js';
import {
  PROJECT_OPTION,
  positiveIntOption,
  projectAndName,
  projectListCommand,
  projectOf,
  onOffInProject,
} from './definitions-common.js';
import { callCommand } from '../call-command.js';

/** Reads a skill folder (symlinks refused: they could point outside it). The server re-checks every path and size. */
export function readSkillFolder(dir: string): Array<{ path: string; contentBase64: string; executable: boolean }> {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UsageError(`${dir} is not a folder`);
  const files: Array<{ path: string; contentBase64: string; executable: boolean }> = [];
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const relPath = rel ? `${rel}/${entry.name}` : entry.name;
      const full = path.join(dir, relPath);
      if (entry.isSymbolicLink()) throw new CliError(`${full} is a symbolic link; skills hold plain files only`);
      if (entry.isDirectory()) walk(relPath);
      else if (entry.isFile()) {
        const stat = fs.statSync(full);
        if (stat.size > LIMITS.skillFileMax)
          throw new CliError(`${full} is ${stat.size} bytes; a skill file has at most ${LIMITS.skillFileMax} bytes`);
        files.push({
          path: relPath,
          contentBase64: fs.readFileSync(full).toString('base64'),
          executable: (stat.mode & 0o111) !== 0,
        });
      }
    }
  };
  walk('');
  return files;
}

/** `bind` and `unbind` name a skill and a workflow of one project: `NAME --workflow W --project P`. */
const BINDING_OPTIONS: Record<string, OptionSpec> = {
  ...PROJECT_OPTION,
  workflow: { type: 'string', value: 'W', description: 'the workflow' },
};

function bindingOf(args: ParsedArgs, env: NodeJS.ProcessEnv): { project: string; skill: string; workflow: string } {
  return { ...projectAndName(args, env, 'skill'), workflow: requireOption(args, 'workflow') };
}

export const skillCommands: GroupBody = {
  commands: [
    {
      name: 'import',
      summary: 'import a skill folder (a new skill, or a new version when its content changed)',
      args: ['DIR'],
      usage: '--project P [--json]',
      details: `Limits: ${LIMITS.skillFilesMax} files, ${LIMITS.skillFileMax} bytes per file, ${LIMITS.skillTotalMax} bytes per skill; relative paths without "..".`,
      options: { ...PROJECT_OPTION, ...JSON_OPTION },
      async run(args, io) {
        const files = readSkillFolder(requirePositional(args, 0, 'skill folder DIR'));
        const skill = await apiClientFromEnv(io.env).skills.import.mutate({ project: projectOf(args, io.env), files });
        if (args.values.json) return printJson(io, skill);
        io.out(
          skill.changed
            ? `imported skill ${skill.name} version ${skill.version} (${files.length} file(s), sha256 ${skill.contentHash.slice(0, 12)})`
            : `skill ${skill.name} is unchanged (version ${skill.version})`,
        );
      },
    },
    {
      name: 'export',
      summary: 'write a skill version into a new (or empty) folder',
      args: ['NAME'],
      usage: '--project P --output DIR [--version N]',
      options: {
        ...PROJECT_OPTION,
        output: {
          type: 'string',
          short: 'o',
          value: 'DIR',
          description: 'the folder to write (must not exist or be empty)',
        },
        version: { type: 'string', value: 'N', description: 'a given version (default: current)' },
      },
      async run(args, io) {
        const out = requireOption(args, 'output');
        if (fs.existsSync(out) && fs.readdirSync(out).length > 0)
          throw new CliError(`${out} is not empty; choose a new folder`);
        const skill = await apiClientFromEnv(io.env).skills.export.query({
          ...projectAndName(args, io.env, 'skill'),
          version: positiveIntOption(args, 'version'),
        });
        for (const file of skill.files) {
          const problem = checkSkillPath(file.path);
          if (problem) throw new CliError(`refusing to write: ${problem}`);
          const target = path.join(out, ...file.path.split('/'));
          fs.mkdirSync(path.dirname(target), { recursive: true });
          fs.writeFileSync(target, Buffer.from(file.contentBase64, 'base64'), {
            mode: file.executable ? 0o755 : 0o644,
          });
        }
        io.out(`wrote ${skill.name} version ${skill.version} (${skill.files.length} file(s)) to ${out}`);
      },
    },
    projectListCommand({
      noun: 'skill',
      summary: "list a project's skills",
      list: (api, project) => api.skills.list.query({ project }),
      columns: ['NAME', 'VERSION', 'ENABLED', 'BUILT-IN', 'DESCRIPTION'],
      row: (s) => [s.name, s.version, s.enabled ? 'yes' : 'no', s.builtin ? 'yes' : '', s.description],
    }),
    callCommand({
      name: 'show',
      summary: 'show a skill version: files, hashes and versions',
      args: ['NAME'],
      usage: '--project P [--version N] [--json]',
      options: {
        ...PROJECT_OPTION,
        version: { type: 'string', value: 'N', description: 'a given version' },
      },
      call: (api, args, io) =>
        api.skills.show.query({
          ...projectAndName(args, io.env, 'skill'),
          version: positiveIntOption(args, 'version'),
        }),
      print(io, s) {
        printFields(io, [
          ['name', s.name],
          ['description', s.description],
          ['version', `${s.version} (versions: ${s.versions.map((v) => v.version).join(', ')})`],
          ['enabled', s.enabled ? 'yes' : 'no'],
          ['built-in', s.builtin ? 'yes' : 'no'],
          ['sha256', s.contentHash],
        ]);
        printTable(
          io,
          ['PATH', 'BYTES', 'EXEC', 'SHA256'],
          s.files.map((f) => [f.path, f.size, f.executable ? 'x' : '', f.sha256.slice(0, 16)]),
        );
      },
    }),
    ...onOffInProject('skill', {
      on: { name: 'enable', summary: 'enable a skill' },
      off: { name: 'disable', summary: 'disable a skill (it is no longer written into runs)' },
      set: (api, named, enabled) => api.skills.setEnabled.mutate({ ...named, enabled }),
      print(io, skill, enabled) {
        io.out(`${skill.name} is ${enabled ? 'enabled' : 'disabled'}`);
      },
    }),
    callCommand({
      name: 'bind',
      summary: 'bind a skill to a workflow (saves a new workflow version)',
      args: ['NAME'],
      usage: '--workflow W --project P [--version N] [--json]',
      options: {
        ...BINDING_OPTIONS,
        version: {
          type: 'string',
          value: 'N',
          description: 'pin this skill version (default: always the current one)',
        },
      },
      call: (api, args, io) =>
        api.skills.bind.mutate({ ...bindingOf(args, io.env), version: positiveIntOption(args, 'version') }),
      print: printBinding,
    }),
    callCommand({
      name: 'unbind',
      summary: 'unbind a skill from a workflow (saves a new workflow version)',
      args: ['NAME'],
      usage: '--workflow W --project P [--json]',
      options: BINDING_OPTIONS,
      call: (api, args, io) => api.skills.unbind.mutate(bindingOf(args, io.env)),
      print: printBinding,
    }),
  ],
};

/** What `bind` and `unbind` print: the workflow's new version and the skills it now uses. */
function printBinding(io: CommandIo, w: { name: string; version: number; skills: Array<{ name: string }> }): void {
  io.out(`${w.name} version ${w.version} uses skills: ${w.skills.map((s) => s.name).join(', ')}`);
}
