// The independent oracle of tests/policy_oracle.rs: @cloud-copilot/iam-simulate (AGPL, a dev-only
// test tool, never shipped) decides each case the Rust test generated. Reads the cases' JSON file
// named on the command line; prints one decision per case as a JSON array.
const fs = require('fs');
const { runSimulation } = require('@cloud-copilot/iam-simulate');

const identifiers = (statements) => (statements || []).map((s) => s.explain && s.explain.identifier).filter(Boolean);

(async () => {
  const cases = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const out = [];
  for (const c of cases) {
    const simulation = {
      request: {
        principal: c.principal,
        action: c.action,
        resource: { resource: c.resource, accountId: c.resource_account },
        contextVariables: c.context,
      },
      identityPolicies: c.identity.map((policy, i) => ({ name: `identity-${i}`, policy })),
      serviceControlPolicies: (c.scps || []).map((level) => ({
        orgIdentifier: level.target,
        policies: level.policies.map((policy, i) => ({ name: `${level.target}-${i}`, policy })),
      })),
      resourceControlPolicies: [],
    };
    const result = await runSimulation(simulation, {});
    if (result.resultType !== 'single') {
      out.push({ error: JSON.stringify(result.errors || result.resultType) });
      continue;
    }
    const analysis = result.result.analysis;
    out.push({
      result: result.overallResult,
      identity_result: analysis.identityAnalysis && analysis.identityAnalysis.result,
      identity_deny: identifiers(analysis.identityAnalysis && analysis.identityAnalysis.denyStatements),
      identity_allow: identifiers(analysis.identityAnalysis && analysis.identityAnalysis.allowStatements),
      ignored: result.result.ignoredContextKeys || [],
    });
  }
  process.stdout.write(JSON.stringify(out));
})().catch((err) => {
  process.stderr.write(String(err && err.stack || err));
  process.exit(1);
});
