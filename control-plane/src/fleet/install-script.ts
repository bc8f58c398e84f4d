/**
 * `GET /agent/install.sh`: a POSIX shell script that downloads the daemon bundle, joins with the
 * join token given as its first argument, and installs deploy/openase-agent.service as a systemd
 * user unit (or says how to run the daemon by hand where systemd --user is unavailable).
 */
import fs from 'node:fs';
import { shellQuote } from '@openase/shared';
import { releaseFile } from '../db/release-files.js';

export function renderInstallScript(baseUrl: string): string {
  const unitFile = releaseFile('agentUnit');
  const unit = unitFile ? fs.readFileSync(unitFile, 'utf8') : '';
  return `#!/bin/sh
# Installs openase-agent from ${baseUrl} and joins this machine to the fleet.
# Usage: curl -fsSL ${baseUrl}/agent/install.sh | sh -s -- oaj_<id>_<secret> [--name N] [--labels a,b] [--slots N]
set -eu
BASE=${shellQuote(baseUrl)}
TOKEN="\${1:-}"
case "$TOKEN" in oaj_*) shift ;; *) echo "openase-agent install: give the join token (oaj_…) as the first argument" >&2; exit 2 ;; esac
NODE="$(command -v node || true)"
[ -n "$NODE" ] || { echo "openase-agent install: Node.js >= 20 must be on PATH" >&2; exit 1; }
DIR="\${OPENASE_AGENT_INSTALL_DIR:-$HOME/.local/share/openase-agent}"
mkdir -p "$DIR"
echo "downloading the daemon to $DIR/openase-agent.cjs"
if command -v curl >/dev/null 2>&1; then curl -fsSL "$BASE/agent/download" -o "$DIR/openase-agent.cjs.tmp"
else "$NODE" -e 'fetch(process.argv[1]).then(async r=>{if(!r.ok)throw new Error(r.status);require("fs").writeFileSync(process.argv[2],Buffer.from(await r.arrayBuffer()))}).catch(e=>{console.error(e.message);process.exit(1)})' "$BASE/agent/download" "$DIR/openase-agent.cjs.tmp"; fi
mv "$DIR/openase-agent.cjs.tmp" "$DIR/openase-agent.cjs"
"$NODE" "$DIR/openase-agent.cjs" join "$BASE" "$TOKEN" "$@"
# The daemon finds its credential where join wrote it: OPENASE_AGENT_HOME, when set, goes into its command line.
RUN="run"
if [ -n "\${OPENASE_AGENT_HOME:-}" ]; then
  case "$OPENASE_AGENT_HOME" in *'|'*|*'"'*|*'&'*|*'\\'*) echo "openase-agent install: OPENASE_AGENT_HOME must not hold a double quote, |, & or a backslash (the systemd unit names it)" >&2; exit 2 ;; esac
  RUN="run --home \\"$OPENASE_AGENT_HOME\\""
fi
UNIT_DIR="\${XDG_CONFIG_HOME:-$HOME/.config}/systemd/user"
mkdir -p "$UNIT_DIR"
sed -e "s|@NODE@|$NODE|g" -e "s|@BUNDLE@|$DIR/openase-agent.cjs|g" -e "s|^\\(ExecStart=.*\\) run$|\\1 $RUN|" > "$UNIT_DIR/openase-agent.service" <<'UNIT'
${unit.trimEnd()}
UNIT
echo "wrote $UNIT_DIR/openase-agent.service"
if command -v systemctl >/dev/null 2>&1 && systemctl --user daemon-reload 2>/dev/null; then
  systemctl --user enable --now openase-agent.service
  echo "openase-agent is running (systemctl --user status openase-agent)"
else
  echo "systemd --user is not available here; start the daemon with: $NODE $DIR/openase-agent.cjs $RUN"
fi
`;
}
