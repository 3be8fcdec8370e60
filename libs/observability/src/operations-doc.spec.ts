import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CcmMetrics } from './ccm-metrics.service';

const ROOT = join(__dirname, '..', '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

interface AlertRule {
  alert: string;
  expr: string;
  labels?: { severity?: string };
  annotations?: { summary?: string; runbook?: string };
}

/** GitHub's anchor for a Markdown heading. */
function anchorOf(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\w\- ]/g, '')
    .replace(/ /g, '-');
}

/** Every metric ccm exposes, and the sample names a histogram adds. */
async function exposedMetrics(): Promise<{ names: string[]; samples: Set<string> }> {
  const metrics = await new CcmMetrics().registry.getMetricsAsJSON();
  const names = metrics.map((m) => m.name);
  const samples = new Set(
    metrics.flatMap((m) => (String(m.type) === 'histogram' ? ['_bucket', '_sum', '_count'].map((s) => `${m.name}${s}`) : [m.name])),
  );
  return { names, samples };
}

describe('docs/operations.md and deploy/prometheus/ccm-alerts.yml agree with the metrics ccm exposes', () => {
  const doc = read('docs/operations.md');
  const anchors = new Set([...doc.matchAll(/^#+ (.+)$/gm)].map((m) => anchorOf(m[1])));
  const rules = (parse(read('deploy/prometheus/ccm-alerts.yml')) as { groups: { rules: AlertRule[] }[] }).groups.flatMap((g) => g.rules);

  it('should document every metric (prom-client’s process metrics by their prefix)', async () => {
    const { names } = await exposedMetrics();
    const wildcards = [...doc.matchAll(/`(ccm_[a-z_]+)\*`/g)].map((m) => m[1]);
    const undocumented = names.filter((name) => !doc.includes(`\`${name}\``) && !wildcards.some((w) => name.startsWith(w)));
    expect(undocumented).toEqual([]);
    expect(names).toEqual(expect.arrayContaining(['ccm_webhook_requests_total', 'ccm_logins_total', 'ccm_password_checks_total']));
  });

  it('should alert only on metrics that exist, each with a severity, a summary and a runbook section that exists', async () => {
    const { samples } = await exposedMetrics();
    expect(rules.length).toBeGreaterThanOrEqual(10);
    for (const rule of rules) {
      const used = [...rule.expr.matchAll(/\bccm_[a-z_]+/g)].map((m) => m[0]);
      expect([rule.alert, used.length > 0]).toEqual([rule.alert, true]);
      for (const name of used) expect([rule.alert, name, samples.has(name)]).toEqual([rule.alert, name, true]);
      expect([rule.alert, rule.labels?.severity]).toEqual([rule.alert, expect.stringMatching(/^(page|ticket)$/)]);
      expect([rule.alert, rule.annotations?.summary]).toEqual([rule.alert, expect.any(String)]);
      const [file, anchor] = (rule.annotations?.runbook ?? '').split('#');
      expect([rule.alert, file, anchors.has(anchor)]).toEqual([rule.alert, 'docs/operations.md', true]);
    }
    expect(new Set(rules.map((r) => r.alert)).size).toBe(rules.length);
  });

  it('should name the alerts file in the operations guide', () => {
    expect(doc).toContain('deploy/prometheus/ccm-alerts.yml');
    for (const rule of rules) expect([rule.alert, doc.includes(rule.alert)]).toEqual([rule.alert, true]);
  });
});
