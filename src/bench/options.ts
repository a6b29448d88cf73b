/** The bench's command line: `node dist/bench/main.js --help`. */
import { parseArgs } from 'node:util';
import type { BenchOptions } from './types.js';

// ---------------------------------------------------------------------------
// options

export function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      lab: { type: 'string', default: 'labs/clos.yml' },
      runs: { type: 'string' },
      'large-runs': { type: 'string' },
      'beyond-runs': { type: 'string' },
      'cli-runs': { type: 'string' },
      'failover-runs': { type: 'string' },
      'hold-runs': { type: 'string' },
      'max-nodes': { type: 'string' },
      'no-scale': { type: 'boolean', default: false },
      'no-failover': { type: 'boolean', default: false },
      'no-checks': { type: 'boolean', default: false },
      checks: { type: 'boolean', default: false },
      failover: { type: 'boolean', default: false },
      'no-default': { type: 'boolean', default: false },
      sizes: { type: 'string' },
      clab: { type: 'string', default: 'auto' },
      'clab-max-nodes': { type: 'string' },
      idle: { type: 'string' },
      'quiet-wait': { type: 'string' },
      'time-budget': { type: 'string' },
      out: { type: 'string', default: 'bench/results' },
      prefix: { type: 'string', default: process.env['BGPLAB_BENCH_PREFIX'] ?? 'bn' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(
      [
        'usage: node dist/bench/main.js [--quick] [options]   (root)',
        '  --quick               default lab only, 3 runs (netns, and containerlab when Docker answers); no failover, no scale',
        '  --lab FILE            the default lab (labs/clos.yml)',
        '  --runs N              runs of the default lab per runtime (5; quick 3)',
        '  --large-runs N        runs per generated fabric up to 400 nodes (3); --beyond-runs N past 400 (1)',
        '  --cli-runs N          `bgplab up`/`down` as separate processes, wall clock (3; quick 1)',
        '  --failover-runs N     runs per failover scenario (5; quick 1); --hold-runs N for the hold-timer cut (3; quick 1)',
        '  --max-nodes N         scale up to this many nodes, stopping at the first failure (1000)',
        '  --no-scale, --no-failover, --no-checks, --no-default (skip the default lab), --failover / --checks (with --quick)',
        '  --sizes 100,400       only the generated fabrics of these node counts',
        '  --clab auto|on|off    the containerlab runtime side by side (auto: when Docker answers)',
        '  --clab-max-nodes N    largest fabric to run on containerlab too (0: default lab only)',
        '  --idle S              seconds of idle after convergence for the idle CPU figure (5)',
        '  --quiet-wait S        total seconds to wait for other labs to finish before measuring (600; quick 0)',
        '  --time-budget MIN     stop scaling past 400 nodes after this many minutes in all (60)',
        '  --out DIR             results directory (bench/results)',
        '  --prefix P            lab names start with P (bn): give each developer sharing the machine their own',
        '',
      ].join('\n'),
    );
    process.exit(0);
  }
  const quick = values.quick === true;
  const num = (v: string | undefined, d: number) => {
    if (v === undefined) return d;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`not a number: ${v}`);
    return n;
  };
  const clab = values.clab as string;
  if (!['auto', 'on', 'off'].includes(clab)) throw new Error('--clab auto|on|off');
  return {
    quick,
    lab: values.lab as string,
    runs: num(values.runs, quick ? 3 : 5),
    largeRuns: num(values['large-runs'], 3),
    beyondRuns: num(values['beyond-runs'], 1),
    cliRuns: num(values['cli-runs'], quick ? 1 : 3),
    failoverRuns: num(values['failover-runs'], quick ? 1 : 5),
    holdRuns: num(values['hold-runs'], quick ? 1 : 3),
    maxNodes: num(values['max-nodes'], 1000),
    scale: (!quick || values.sizes !== undefined) && values['no-scale'] !== true,
    failover: values['no-failover'] !== true && (!quick || values.failover === true),
    checks: values['no-checks'] !== true && (!quick || values.checks === true),
    runDefault: values['no-default'] !== true,
    sizes: values.sizes ? String(values.sizes).split(',').map(Number) : undefined,
    clab: clab as BenchOptions['clab'],
    clabMaxNodes: num(values['clab-max-nodes'], 0),
    idleSec: num(values.idle, quick ? 3 : 5),
    quietWaitSec: num(values['quiet-wait'], quick ? 0 : 600),
    out: values.out as string,
    prefix: values.prefix as string,
    timeBudgetMin: num(values['time-budget'], 60),
  };
}
