// bench-report.js: the bookkeeping of scripts/bench.sh.
//
//   node bench-report.js record RESULTS TOOL CASE ROUND OUTPUT TIMEFILE
//     appends one run, read from the tool's own output and /usr/bin/time's
//     "%U %S %M", to RESULTS (JSON lines)
//   node bench-report.js report RESULTS SECONDS
//     prints the Markdown report: medians per case and tool, and every goal
//     of issue 12 with its ratio and PASS/FAIL
'use strict';
const fs = require('fs');

const [cmd, resultsFile, ...args] = process.argv.slice(2);

function readTime(file) {
  try {
    const [u, s, m] = fs.readFileSync(file, 'utf8').trim().split('\n').pop().split(/\s+/).map(Number);
    return { cpu: u + s, rssMiB: m / 1024 };
  } catch (e) {
    return { cpu: NaN, rssMiB: NaN };
  }
}

// wrk prints latencies as 1.23ms, 456.00us, 1.2s
function wrkMs(v) {
  const m = /^([\d.]+)(us|ms|s)$/.exec(v || '');
  if (!m) return NaN;
  return Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2]];
}

function parse(tool, file) {
  const text = fs.readFileSync(file, 'utf8');
  switch (tool) {
    case 'tokenbench': {
      const s = JSON.parse(text).summary;
      const failures = Object.values(s.check_failures || {}).reduce((a, b) => a + b, 0);
      return {
        requests: s.requests, rps: s.throughput_rps, target: s.target_rps || 0, errors: s.errors,
        p50: s.latency_ms.p50, p90: s.latency_ms.p90, p99: s.latency_ms.p99,
        svc50: s.service_time_ms.p50, svc90: s.service_time_ms.p90, svc99: s.service_time_ms.p99,
        late: s.late, lag99: s.schedule_lag_ms.p99, validated: s.validated, failures,
      };
    }
    case 'vegeta': {
      const d = JSON.parse(text);
      const l = d.latencies;
      return {
        requests: d.requests, rps: d.throughput, sendRate: d.rate, errors: d.requests - Math.round(d.success * d.requests),
        p50: l['50th'] / 1e6, p90: l['90th'] / 1e6, p99: l['99th'] / 1e6,
      };
    }
    case 'bombardier': {
      const r = JSON.parse(text).result;
      const ok = r.req2xx;
      const all = r.req1xx + r.req2xx + r.req3xx + r.req4xx + r.req5xx + r.others;
      const p = (r.latency && r.latency.percentiles) || {};
      return { requests: all, rps: ok / r.timeTakenSeconds, errors: all - ok, p50: p['50'] / 1000, p90: p['90'] / 1000, p99: p['99'] / 1000 };
    }
    case 'wrk': {
      const get = (re) => (re.exec(text) || [])[1];
      const lat = (q) => wrkMs(get(new RegExp('^\\s*' + q + '%\\s+(\\S+)', 'm')));
      return {
        requests: Number(get(/(\d+) requests in/)), rps: Number(get(/^Requests\/sec:\s+([\d.]+)/m)),
        errors: Number(get(/Non-2xx or 3xx responses: (\d+)/) || 0), p50: lat(50), p90: lat(90), p99: lat(99),
      };
    }
  }
  throw new Error('unknown tool ' + tool);
}

if (cmd === 'record') {
  const [tool, c, round, output, timeFile] = args;
  let row = { tool, case: c, round: Number(round) };
  try {
    Object.assign(row, parse(tool, output));
  } catch (e) {
    row.failed = `${output}: ${e.message}`;
  }
  Object.assign(row, readTime(timeFile));
  fs.appendFileSync(resultsFile, JSON.stringify(row) + '\n');
  process.exit(0);
}
if (cmd !== 'report') {
  console.error('usage: bench-report.js record|report RESULTS ...');
  process.exit(2);
}

const seconds = Number(args[0]);
const rows = fs.readFileSync(resultsFile, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
const median = (xs) => {
  xs = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (xs.length === 0) return NaN;
  const m = xs.length >> 1;
  return xs.length % 2 ? xs[m] : (xs[m - 1] + xs[m]) / 2;
};
const runs = (c, tool) => rows.filter((r) => r.case === c && r.tool === tool);
// med(case, tool, field): the median over the rounds; cpuPerReq is CPU
// seconds per request, in microseconds.
function med(c, tool, field) {
  const rs = runs(c, tool);
  if (field === 'cpuPerReq') return median(rs.map((r) => (1e6 * r.cpu) / r.requests));
  return median(rs.map((r) => r[field]));
}
const f = (x, d = 0) => (Number.isFinite(x) ? x.toFixed(d).replace(/\B(?=(\d{3})+(?!\d))/g, ' ') : '–');
const failedRuns = rows.filter((r) => r.failed);

const goals = [];
function goal(name, ratio, pass, detail) {
  goals.push({ name, ratio, pass: Number.isFinite(ratio) || ratio === null ? pass : false, detail });
}

const out = [];
const p = (s = '') => out.push(s);

// Throughput
p(`## Throughput (closed model, 16 connections, ${seconds} s, the same POST)`);
p();
p('| tool | requests/s | p50 ms | p99 ms | errors | CPU µs/request |');
p('|---|---:|---:|---:|---:|---:|');
const closed = [
  ['closed-none', 'tokenbench', 'tokenbench `--validate none`'],
  ['closed-all', 'tokenbench', 'tokenbench `--validate all` (every response through all checks, RS256 verified)'],
  ['closed', 'bombardier', 'bombardier (fasthttp)'],
  ['closed', 'vegeta', 'vegeta'],
  ['closed', 'wrk', 'wrk (the ceiling: C, no result handling)'],
];
for (const [c, tool, label] of closed) {
  if (runs(c, tool).length === 0) continue;
  p(`| ${label} | ${f(med(c, tool, 'rps'))} | ${f(med(c, tool, 'p50'), 2)} | ${f(med(c, tool, 'p99'), 2)} | ${f(med(c, tool, 'errors'))} | ${f(med(c, tool, 'cpuPerReq'), 1)} |`);
}
p();
const none = med('closed-none', 'tokenbench', 'rps');
const all = med('closed-all', 'tokenbench', 'rps');
const veg = med('closed', 'vegeta', 'rps');
const bomb = med('closed', 'bombardier', 'rps');
const wrk = med('closed', 'wrk', 'rps');
goal('2. throughput, validation off ≥ 1.0× bombardier', none / bomb, none / bomb >= 1.0, `${f(none)}/s vs ${f(bomb)}/s`);
goal('2. throughput, validation off ≥ 1.25× vegeta', none / veg, none / veg >= 1.25, `${f(none)}/s vs ${f(veg)}/s`);
const allFailures = med('closed-all', 'tokenbench', 'failures');
goal('2. throughput, every response validated ≥ 0.5× vegeta', all / veg, all / veg >= 0.5 && allFailures === 0,
  `${f(all)}/s vs ${f(veg)}/s, ${f(med('closed-all', 'tokenbench', 'validated'))} validated, ${f(allFailures)} check failures`);
if (Number.isFinite(wrk)) goal('2. wrk, the ceiling (reported)', none / wrk, true, `tokenbench at ${(100 * none / wrk).toFixed(0)} % of wrk's ${f(wrk)}/s`);

// CPU per request, open model
p(`## CPU per request (open model, validation off, ${seconds} s)`);
p();
p('| rate /s | tokenbench µs/request | vegeta µs/request | tokenbench / vegeta | tokenbench CPU % of one core | vegeta CPU % of one core |');
p('|---:|---:|---:|---:|---:|---:|');
for (const rate of [10, 100, 1000, 5000]) {
  const c = `open-${rate}`;
  const t = med(c, 'tokenbench', 'cpuPerReq');
  const v = med(c, 'vegeta', 'cpuPerReq');
  const tc = (100 * med(c, 'tokenbench', 'cpu')) / seconds;
  const vc = (100 * med(c, 'vegeta', 'cpu')) / seconds;
  p(`| ${rate} | ${f(t, 1)} | ${f(v, 1)} | ${f(t / v, 2)} | ${f(tc, 1)} | ${f(vc, 1)} |`);
  if (rate === 10) goal('1. at 10/s the process uses < 2 % of one core', tc / 2, tc < 2, `${tc.toFixed(2)} % (whole process, start-up and reports included)`);
  else goal(`1. CPU per request at ${rate}/s ≤ 0.8× vegeta's`, t / v, t / v <= 0.8, `${f(t, 1)} µs vs ${f(v, 1)} µs`);
}
p();

// Rate accuracy
p(`## Rate accuracy (open model, ${seconds} s)`);
p();
p('| target /s | achieved /s | achieved / target | sent > 1 ms late | p99 schedule lag ms | p50 latency ms | vegeta p50 ms (from the send) |');
p('|---:|---:|---:|---:|---:|---:|---:|');
let worst = 0;
for (const rate of [10, 100, 1000, 5000]) {
  const c = `open-${rate}`;
  const a = med(c, 'tokenbench', 'rps');
  const ratio = a / rate;
  worst = Math.max(worst, Math.abs(1 - ratio));
  p(`| ${rate} | ${f(a, 2)} | ${f(100 * ratio, 2)} % | ${f(med(c, 'tokenbench', 'late'))} | ${f(med(c, 'tokenbench', 'lag99'), 2)} | ${f(med(c, 'tokenbench', 'p50'), 2)} | ${f(med(c, 'vegeta', 'p50'), 2)} |`);
}
p();
goal('1. achieved rate within 1 % from 10/s to 5000/s', worst, worst <= 0.01, `largest deviation ${(100 * worst).toFixed(2)} %`);

// Honesty
p('## Honesty under a stall (coordinated omission)');
p();
p('The provider holds every request arriving in the first 200 ms of each second. At 200/s with at most 10 in');
p('flight, 20 % of requests wait 0 to 200 ms, so the true latency from the intended send time has p90 = 100 ms and');
p('p99 = 190 ms.');
p();
p('| tool | p50 ms | p90 ms | p99 ms | measured from |');
p('|---|---:|---:|---:|---|');
p(`| tokenbench | ${f(med('stall', 'tokenbench', 'p50'), 1)} | **${f(med('stall', 'tokenbench', 'p90'), 1)}** | **${f(med('stall', 'tokenbench', 'p99'), 1)}** | intended send time |`);
p(`| tokenbench service time | ${f(med('stall', 'tokenbench', 'svc50'), 1)} | ${f(med('stall', 'tokenbench', 'svc90'), 1)} | ${f(med('stall', 'tokenbench', 'svc99'), 1)} | actual send |`);
p(`| vegeta | ${f(med('stall', 'vegeta', 'p50'), 1)} | ${f(med('stall', 'vegeta', 'p90'), 1)} | ${f(med('stall', 'vegeta', 'p99'), 1)} | actual send |`);
p();
const p90 = med('stall', 'tokenbench', 'p90');
const p99 = med('stall', 'tokenbench', 'p99');
const off = Math.max(Math.abs(p90 / 100 - 1), Math.abs(p99 / 190 - 1));
goal('1. latency from the intended send time within 5 % of the truth (p90 100 ms, p99 190 ms)', off, off <= 0.05,
  `p90 ${f(p90, 1)} ms, p99 ${f(p99, 1)} ms`);
goal('1. the generator\'s lateness reported as schedule lag', null, Number.isFinite(med('stall', 'tokenbench', 'lag99')),
  `stall run: p99 lag ${f(med('stall', 'tokenbench', 'lag99'), 1)} ms (in-flight cap); 5000/s: ${f(med('open-5000', 'tokenbench', 'lag99'), 2)} ms`);

// Memory
p('## Memory (no per-request storage)');
p();
p('| run | peak RSS MiB | requests | validated | check failures |');
p('|---|---:|---:|---:|---:|');
for (const d of [10, 40]) {
  const c = `mem-${d}`;
  p(`| 2000/s for ${d} s, every response validated | ${f(med(c, 'tokenbench', 'rssMiB'), 1)} | ${f(med(c, 'tokenbench', 'requests'))} | ${f(med(c, 'tokenbench', 'validated'))} | ${f(med(c, 'tokenbench', 'failures'))} |`);
}
if (runs('mem-none-10', 'tokenbench').length) {
  p(`| 2000/s for 10 s, validation off | ${f(med('mem-none-10', 'tokenbench', 'rssMiB'), 1)} | ${f(med('mem-none-10', 'tokenbench', 'requests'))} | 0 | |`);
}
if (runs('mem-none-10', 'vegeta').length) {
  p(`| vegeta, 2000/s for 10 s (no validation) | ${f(med('mem-none-10', 'vegeta', 'rssMiB'), 1)} | ${f(med('mem-none-10', 'vegeta', 'requests'))} | | |`);
}
p();
const m10 = med('mem-10', 'tokenbench', 'rssMiB');
const m40 = med('mem-40', 'tokenbench', 'rssMiB');
goal('3. peak RSS, 40 s at 2000/s validated, ≤ 50 MiB', m40 / 50, m40 <= 50, `${f(m40, 1)} MiB`);
goal('3. peak RSS of the 40 s run within 10 % of the 10 s run', m40 / m10, Math.abs(m40 / m10 - 1) <= 0.1, `${f(m40, 1)} MiB vs ${f(m10, 1)} MiB`);

// Goals first
const head = [];
head.push('## Goals (issue 12)');
head.push('');
head.push('| goal | ratio | result | figures |');
head.push('|---|---:|---|---|');
for (const g of goals) {
  head.push(`| ${g.name} | ${g.ratio === null ? '' : f(g.ratio, 2)} | ${g.pass ? 'PASS' : '**FAIL**'} | ${g.detail} |`);
}
head.push('');
if (failedRuns.length) {
  head.push('Runs without a result (counted as missing):');
  for (const r of failedRuns) head.push(`- ${r.tool} ${r.case} round ${r.round}: ${r.failed}`);
  head.push('');
}
console.log([...head, ...out].join('\n'));
