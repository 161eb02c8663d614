// SPDX-License-Identifier: MIT
// Checks obs OTLP bodies with the OpenTelemetry JS protobuf definitions, and our decoder with the JS serializers.
'use strict';

const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const os = require('node:os');

const root = require('@opentelemetry/otlp-transformer/build/src/generated/root');
const {
  ProtobufTraceSerializer, JsonTraceSerializer,
  ProtobufLogsSerializer, ProtobufMetricsSerializer,
} = require('@opentelemetry/otlp-transformer');

const P = root.opentelemetry.proto;
const REQ = {
  traces: P.collector.trace.v1.ExportTraceServiceRequest,
  metrics: P.collector.metrics.v1.ExportMetricsServiceRequest,
  logs: P.collector.logs.v1.ExportLogsServiceRequest,
};
const HELPERS = process.env.OBS_TEST_HELPERS;
const FIXTURES = process.argv[2];
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'obs-otlp-js-'));

let passed = 0;
let failed = 0;
function check(name, fn) {
  try {
    fn();
    passed++;
    console.log(`ok - ${name}`);
  } catch (e) {
    failed++;
    console.log(`not ok - ${name}\n  ${String(e.message).split('\n').join('\n  ')}`);
  }
}

function helper(args, input) {
  return execFileSync(path.join(HELPERS, args[0]), args.slice(1), {
    input, maxBuffer: 64 << 20, stdio: ['pipe', 'pipe', 'pipe'],
  });
}

// ---- normalising: a decoded protobuf message and a parsed JSON body to one shape ----

const hex = (b) => Buffer.from(b).toString('hex');

// protobufjs message -> OTLP JSON shape (hex ids, int64 as strings, enums as numbers).
function pbToJson(Type, buf) {
  const msg = Type.decode(buf);
  const obj = Type.toObject(msg, { longs: String, enums: Number, bytes: Array, defaults: false });
  return fixIds(obj);
}

const ID_KEYS = new Set(['traceId', 'spanId', 'parentSpanId']);
function fixIds(v) {
  if (Array.isArray(v)) return v.map(fixIds);
  if (v && typeof v === 'object') {
    const out = {};
    for (const [k, x] of Object.entries(v)) {
      if (ID_KEYS.has(k) && Array.isArray(x)) out[k] = hex(x);
      else if (k === 'bytesValue' && Array.isArray(x)) out[k] = Buffer.from(x).toString('base64');
      else out[k] = fixIds(x);
    }
    return out;
  }
  return v;
}

// JSON body -> the same shape: doubles given as "NaN"/"Infinity" become numbers,
// numbers where protobufjs gives strings (int64) are compared as strings.
function jsonNorm(v, key) {
  if (Array.isArray(v)) return v.map((x) => jsonNorm(x, key));
  if (v && typeof v === 'object') {
    const out = {};
    for (const [k, x] of Object.entries(v)) out[k] = jsonNorm(x, k);
    return out;
  }
  if (typeof v === 'string' && ['asDouble', 'doubleValue', 'sum', 'min', 'max', 'explicitBounds'].includes(key)) {
    return v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v;
  }
  return v;
}

// ---- records ----

function ns(t) {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/.exec(t);
  assert.ok(m, `bad time ${t}`);
  const frac = (m[2] || '').padEnd(9, '0');
  return (BigInt(Date.parse(m[1] + 'Z')) * 1000000n + BigInt(frac)).toString();
}

// An OTLP AnyValue (JSON shape) as a plain JS value; int64 as a string.
function anyValue(v) {
  if (v === undefined || v === null) return null;
  if ('stringValue' in v) return v.stringValue;
  if ('boolValue' in v) return v.boolValue;
  if ('intValue' in v) return String(v.intValue);
  if ('doubleValue' in v) return v.doubleValue;
  if ('arrayValue' in v) return (v.arrayValue.values || []).map(anyValue);
  if ('kvlistValue' in v) return kv(v.kvlistValue.values);
  if ('bytesValue' in v) return v.bytesValue;
  return null;
}
function kv(list) {
  const o = {};
  for (const a of list || []) o[a.key] = anyValue(a.value);
  return o;
}
// A record's JSON value in the same terms (integers as strings; the raw text keeps big ones exact).
function plain(v) {
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object') {
    const o = {};
    for (const [k, x] of Object.entries(v)) o[k] = plain(x);
    return o;
  }
  if (typeof v === 'bigint') return v.toString();
  return v;
}
// JSON.parse that keeps integers exact (as BigInt) so 2^53+1 survives: integer
// literals are marked before parsing (no fixture string looks like one).
function readRecords(file) {
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(
    l.replace(/([:[,])(-?\d+)(?=[,\]}])/g, '$1"\\u0001$2"'),
    (k, v) => (typeof v === 'string' && v[0] === '\u0001' ? BigInt(v.slice(1)) : v)));
}

const KINDS = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 };
const STATUS = { unset: 0, ok: 1, error: 2 };
const SPECIAL = ['otel.scope.name', 'otel.scope.version', 'w3c.tracestate', 'otel.dropped_attributes_count',
  'otel.dropped_events_count', 'otel.dropped_links_count'];
const without = (o, keys) => Object.fromEntries(Object.entries(o || {}).filter(([k]) => !keys.includes(k)));
const num = (x) => (x === undefined ? 0 : Number(x));

function checkSpans(req, recs) {
  const found = new Map();
  for (const rs of req.resourceSpans) {
    for (const ss of rs.scopeSpans) for (const s of ss.spans) found.set(s.spanId, { rs, ss, s });
  }
  assert.equal(found.size, recs.length, 'span count');
  for (const r of recs) {
    const f = found.get(r.span_id);
    assert.ok(f, `span ${r.span_id} missing`);
    const { rs, ss, s } = f;
    const where = `span ${r.span_id}`;
    assert.equal(s.traceId, r.trace_id, `${where} traceId`);
    assert.equal(s.parentSpanId || undefined, r.parent_span_id, `${where} parentSpanId`);
    assert.equal(s.name || '', r.name, `${where} name`);
    assert.equal(s.kind, KINDS[r.kind], `${where} kind`);
    assert.equal(s.startTimeUnixNano, ns(r.start), `${where} start`);
    assert.equal(s.endTimeUnixNano, ns(r.end), `${where} end`);
    assert.equal(num(s.status && s.status.code), STATUS[r.status], `${where} status`);
    assert.equal((s.status && s.status.message) || undefined, r.status_message, `${where} status message`);
    const a = r.attributes;
    assert.deepEqual(kv(s.attributes), plain(without(a, SPECIAL)), `${where} attributes`);
    assert.equal(s.traceState, a['w3c.tracestate'], `${where} traceState`);
    assert.equal(num(s.droppedAttributesCount), num(a['otel.dropped_attributes_count']), `${where} dropped attributes`);
    assert.equal(num(s.droppedEventsCount), num(a['otel.dropped_events_count']), `${where} dropped events`);
    assert.equal(num(s.droppedLinksCount), num(a['otel.dropped_links_count']), `${where} dropped links`);
    assert.equal((ss.scope && ss.scope.name) || undefined, a['otel.scope.name'], `${where} scope name`);
    assert.equal((ss.scope && ss.scope.version) || undefined, a['otel.scope.version'], `${where} scope version`);
    const evs = s.events || [];
    assert.equal(evs.length, r.events.length, `${where} events`);
    r.events.forEach((e, i) => {
      assert.equal(evs[i].timeUnixNano, ns(e.time), `${where} event ${i} time`);
      assert.equal(evs[i].name || '', e.name, `${where} event ${i} name`);
      assert.deepEqual(kv(evs[i].attributes), plain(without(e.attributes, ['otel.dropped_attributes_count'])));
      assert.equal(num(evs[i].droppedAttributesCount), num(e.attributes['otel.dropped_attributes_count']));
    });
    const links = s.links || [];
    assert.equal(links.length, (r.links || []).length, `${where} links`);
    (r.links || []).forEach((l, i) => {
      assert.equal(links[i].traceId, l.trace_id);
      assert.equal(links[i].spanId, l.span_id);
      assert.equal(links[i].traceState, l.tracestate);
      assert.deepEqual(kv(links[i].attributes), plain(without(l.attributes, ['otel.dropped_attributes_count'])));
      assert.equal(num(links[i].droppedAttributesCount), num(l.attributes['otel.dropped_attributes_count']));
    });
    const res = plain(without(r.resource, ['otel.dropped_attributes_count']));
    if (!('service.name' in res)) res['service.name'] = r.service;
    assert.deepEqual(kv(rs.resource.attributes), res, `${where} resource`);
    assert.equal(num(rs.resource.droppedAttributesCount), num(r.resource['otel.dropped_attributes_count']));
  }
}

const SEV = { trace: 1, debug: 5, info: 9, warn: 13, error: 17, fatal: 21 };
const LOG_RESERVED = ['type', 'time', 'level', 'msg', 'service', 'trace_id', 'span_id', 'resource',
  'observed_time', 'otel.scope.name', 'otel.scope.version'];
const isId = (s, n) => typeof s === 'string' && new RegExp(`^[0-9a-f]{${n}}$`).test(s);

function checkLogs(req, recs) {
  const all = [];
  for (const rl of req.resourceLogs) for (const sl of rl.scopeLogs) for (const l of sl.logRecords) all.push({ rl, sl, l });
  assert.equal(all.length, recs.length, 'log count');
  // Encoded in order, grouped by resource: match by time (unique in the fixture).
  for (const r of recs) {
    const f = all.find((x) => x.l.timeUnixNano === ns(r.time));
    assert.ok(f, `log at ${r.time} missing`);
    const { rl, sl, l } = f;
    const where = `log ${r.time}`;
    assert.equal(num(l.severityNumber), SEV[r.level.toLowerCase()] || 0, `${where} severity`);
    assert.equal(l.severityText, r.level, `${where} severityText`);
    assert.deepEqual(l.body, { stringValue: r.msg }, `${where} body`);
    assert.equal(l.observedTimeUnixNano, ns(r.observed_time || r.time), `${where} observed`);
    const tidOk = isId(r.trace_id, 32);
    const sidOk = isId(r.span_id, 16);
    assert.equal(l.traceId, tidOk ? r.trace_id : undefined, `${where} traceId`);
    assert.equal(l.spanId, sidOk ? r.span_id : undefined, `${where} spanId`);
    const attrs = without(r, LOG_RESERVED);
    if (r.trace_id !== undefined && !tidOk) attrs.trace_id = r.trace_id;
    if (r.span_id !== undefined && !sidOk) attrs.span_id = r.span_id;
    assert.deepEqual(kv(l.attributes), plain(attrs), `${where} attributes`);
    const res = plain(r.resource || {});
    res['service.name'] = r.service;
    assert.deepEqual(kv(rl.resource.attributes), res, `${where} resource`);
    assert.equal((sl.scope && sl.scope.name) || undefined, r['otel.scope.name']);
    assert.equal((sl.scope && sl.scope.version) || undefined, r['otel.scope.version']);
  }
}

const PROM_BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
function valueOf(p) {
  return p.asInt !== undefined ? String(p.asInt) : p.asDouble;
}
function recValue(v) {
  if (v === 'NaN') return NaN;
  if (v === '+Inf') return Infinity;
  if (v === '-Inf') return -Infinity;
  if (typeof v === 'bigint') return v.toString();
  return v;
}

function checkMetrics(req, recs) {
  assert.equal(req.resourceMetrics.length, 1);
  const metrics = req.resourceMetrics[0].scopeMetrics[0].metrics;
  const byName = new Map();
  for (const m of metrics) {
    if (!byName.has(m.name)) byName.set(m.name, []);
    byName.get(m.name).push(m);
  }
  // Observations, aggregated per series here to compare.
  const hist = new Map();
  let points = 0;
  for (const r of recs) {
    const ms = byName.get(r.name);
    assert.ok(ms, `metric ${r.name} missing`);
    const m = ms[0];
    assert.equal(m.description, r.help, `${r.name} description`);
    assert.equal(m.unit, r.unit, `${r.name} unit`);
    const obs = (r.metric_type === 'histogram' || r.metric_type === 'summary') && !r.cumulative;
    if (obs) {
      const key = JSON.stringify(plain(r.labels));
      const h = hist.get(r.name + key) || { m, labels: plain(r.labels), vals: [], times: [] };
      h.vals.push(Number(r.value));
      h.times.push(ns(r.time));
      hist.set(r.name + key, h);
      continue;
    }
    let data;
    const n = r.name;
    if (r.metric_type === 'counter') {
      data = m.sum;
      assert.ok(data, `${n} is a Sum`);
      assert.equal(data.isMonotonic, true);
      assert.equal(data.aggregationTemporality, r.cumulative ? 2 : 1, `${n} temporality`);
    } else if (r.cumulative && /_(bucket|count)$/.test(n)) {
      data = m.sum;
      assert.ok(data && data.isMonotonic === true && data.aggregationTemporality === 2, `${n} cumulative monotonic Sum`);
    } else if (r.cumulative && /_sum$/.test(n)) {
      data = m.sum;
      assert.ok(data && !data.isMonotonic && data.aggregationTemporality === 2, `${n} cumulative Sum`);
    } else {
      data = m.gauge;
      assert.ok(data, `${n} is a Gauge`);
    }
    const p = data.dataPoints.find((x) => x.timeUnixNano === ns(r.time) && JSON.stringify(kv(x.attributes)) === JSON.stringify(plain(r.labels)));
    assert.ok(p, `${n} point at ${r.time} ${JSON.stringify(r.labels)}`);
    const want = recValue(r.value);
    if (Number.isNaN(want)) assert.ok(Number.isNaN(p.asDouble), `${n} NaN`);
    else assert.equal(valueOf(p), want, `${n} value`);
    points++;
  }
  for (const h of hist.values()) {
    const pts = h.m.histogram.dataPoints;
    assert.equal(h.m.histogram.aggregationTemporality, 1, 'histogram DELTA');
    const p = pts.find((x) => JSON.stringify(kv(x.attributes)) === JSON.stringify(h.labels));
    assert.ok(p, `histogram point ${JSON.stringify(h.labels)}`);
    assert.equal(p.count, String(h.vals.length));
    assert.equal(p.sum, h.vals.reduce((a, b) => a + b, 0));
    assert.equal(p.min, Math.min(...h.vals));
    assert.equal(p.max, Math.max(...h.vals));
    assert.deepEqual(p.explicitBounds, PROM_BOUNDS);
    const counts = new Array(PROM_BOUNDS.length + 1).fill(0);
    for (const v of h.vals) {
      let i = PROM_BOUNDS.findIndex((b) => v <= b);
      if (i < 0) i = PROM_BOUNDS.length;
      counts[i]++;
    }
    assert.deepEqual(p.bucketCounts.map(Number), counts);
    const ts = h.times.map(BigInt).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    assert.equal(p.startTimeUnixNano, ts[0].toString());
    assert.equal(p.timeUnixNano, ts[ts.length - 1].toString());
    points++;
  }
  const total = metrics.reduce((a, m) => a + (m.sum || m.gauge || m.histogram).dataPoints.length, 0);
  assert.equal(total, points, 'data points');
}

const CHECKERS = { traces: checkSpans, metrics: checkMetrics, logs: checkLogs };
const FIXTURE = { traces: 'spans.ndjson', metrics: 'metrics.ndjson', logs: 'logs.ndjson' };

// ---- 1. our bodies, read by the official definitions ----

for (const sig of ['traces', 'metrics', 'logs']) {
  const file = path.join(FIXTURES, FIXTURE[sig]);
  const recs = readRecords(file);
  const input = fs.readFileSync(file);
  const pbFile = path.join(TMP, `${sig}.pb`);
  const jsonFile = path.join(TMP, `${sig}.json`);
  helper(['otlp_encode', sig, 'http/protobuf', pbFile], input);
  helper(['otlp_encode', sig, 'http/json', jsonFile], input);
  const pb = fs.readFileSync(pbFile);
  const js = JSON.parse(fs.readFileSync(jsonFile, 'utf8'));
  let fromPb;
  check(`${sig}: protobuf body decodes with the OTLP definitions`, () => {
    fromPb = pbToJson(REQ[sig], pb);
    const err = REQ[sig].verify(REQ[sig].decode(pb));
    assert.equal(err, null);
  });
  check(`${sig}: protobuf body matches the source records field by field`, () => CHECKERS[sig](fromPb, recs));
  check(`${sig}: JSON body matches the source records field by field`, () => CHECKERS[sig](jsonNorm(js), recs));
  check(`${sig}: JSON and protobuf bodies carry the same request`, () => assert.deepEqual(jsonNorm(js), fromPb));
  check(`${sig}: JSON body is accepted by the definitions' fromObject`, () => {
    // fromObject takes hex ids as base64-less strings poorly: only check structure sans ids.
    const msg = REQ[sig].fromObject(JSON.parse(JSON.stringify(js).replace(/"(traceId|spanId|parentSpanId)":"[0-9a-f]*",?/g, '')));
    assert.equal(REQ[sig].verify(msg), null);
  });
  check(`${sig}: protobufjs re-encoding of our body decodes to the same records`, () => {
    const again = Buffer.from(REQ[sig].encode(REQ[sig].decode(pb)).finish());
    const a = helper(['otlp_decode', sig, '-'], pb).toString();
    const b = helper(['otlp_decode', sig, '-'], again).toString();
    assert.equal(b, a);
  });
}

// ---- 2. bodies from the JS serializers, read by our decoder ----

const hr = (s, n) => [s, n];
function traceState(s) {
  return { serialize: () => s };
}
function span(o) {
  return {
    name: o.name,
    kind: o.kind,
    spanContext: () => ({ traceId: o.traceId, spanId: o.spanId, traceFlags: 1, traceState: o.traceState && traceState(o.traceState) }),
    parentSpanContext: o.parent ? { traceId: o.traceId, spanId: o.parent, traceFlags: 1, isRemote: false } : undefined,
    startTime: o.start, endTime: o.end,
    status: o.status || { code: 0 },
    attributes: o.attributes || {},
    links: o.links || [],
    events: o.events || [],
    duration: [0, 0], ended: true,
    resource: o.resource,
    instrumentationScope: o.scope,
    droppedAttributesCount: o.dropped || 0, droppedEventsCount: 0, droppedLinksCount: 0,
  };
}
const resA = { attributes: { 'service.name': 'js-svc', 'host.name': 'h', 'process.pid': 7 } };
const resB = { attributes: { 'process.executable.name': 'node' } };
const jsSpans = [
  span({ name: 'root', kind: 1, traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331',
    start: hr(1795514400, 5), end: hr(1795514401, 0), status: { code: 2, message: 'boom' },
    attributes: { s: 'x', i: 42, d: 1.5, b: true, arr: ['a', 'b'], ints: [1, 2] },
    events: [{ name: 'ev', time: hr(1795514400, 500), attributes: { k: 'v' }, droppedAttributesCount: 2 }],
    links: [{ context: { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1,
      traceState: traceState('rojo=1') }, attributes: { why: 'retry' } }],
    resource: resA, scope: { name: 'js-lib', version: '1.2.3' }, dropped: 3, traceState: 'congo=t61' }),
  span({ name: 'child', kind: 2, traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203332',
    parent: 'b7ad6b7169203331', start: hr(1795514400, 10), end: hr(1795514400, 20),
    resource: resA, scope: { name: 'other' } }),
  span({ name: 'lone', kind: 0, traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174',
    start: hr(1795514402, 0), end: hr(1795514403, 0), status: { code: 1 }, resource: resB, scope: { name: '' } }),
];

check('traces: JS protobuf serializer body decodes to the records obs_import makes of the JS JSON body', () => {
  const pb = Buffer.from(ProtobufTraceSerializer.serializeRequest(jsSpans));
  const js = Buffer.from(JsonTraceSerializer.serializeRequest(jsSpans));
  fs.writeFileSync(path.join(TMP, 'js.json'), js);
  const ours = helper(['otlp_decode', 'traces', '-'], pb).toString();
  const viaImport = helper(['otlp_decode', 'traces', '--json', path.join(TMP, 'js.json')]).toString();
  assert.equal(ours, viaImport);
  const recs = ours.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  assert.equal(recs.length, 3);
  const [r0, r1, r2] = recs;
  assert.deepEqual(
    [r0.trace_id, r0.span_id, r0.name, r0.kind, r0.status, r0.status_message, r0.service, r0.start, r0.end],
    ['0af7651916cd43dd8448eb211c80319c', 'b7ad6b7169203331', 'root', 'server', 'error', 'boom', 'js-svc',
      '2026-11-24T10:00:00.000000005Z', '2026-11-24T10:00:01.000000000Z']);
  assert.deepEqual(r0.attributes, { s: 'x', i: 42, d: 1.5, b: true, arr: ['a', 'b'], ints: [1, 2],
    'otel.scope.name': 'js-lib', 'otel.scope.version': '1.2.3', 'w3c.tracestate': 'congo=t61',
    'otel.dropped_attributes_count': 3 });
  assert.deepEqual(r0.events, [{ time: '2026-11-24T10:00:00.000000500Z', name: 'ev',
    attributes: { k: 'v', 'otel.dropped_attributes_count': 2 } }]);
  assert.deepEqual(r0.links, [{ trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', span_id: '00f067aa0ba902b7',
    tracestate: 'rojo=1', attributes: { why: 'retry' } }]);
  assert.deepEqual(r0.resource, resA.attributes);
  assert.equal(r1.parent_span_id, 'b7ad6b7169203331');
  assert.equal(r1.kind, 'client');
  assert.equal(r1.attributes['otel.scope.name'], 'other');
  assert.equal(r2.kind, 'internal');
  assert.equal(r2.status, 'ok');
  assert.equal(r2.service, 'unknown_service:node');
  assert.equal(r2.parent_span_id, undefined);
});

check('logs: JS protobuf serializer body decodes to the expected log records', () => {
  const logs = [
    { hrTime: hr(1795514400, 1), hrTimeObserved: hr(1795514401, 0), severityNumber: 13, severityText: 'WARN',
      body: 'disk full', attributes: { disk: '/dev/sda1', n: 3, time: 'clash' },
      spanContext: { traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', traceFlags: 1 },
      resource: { attributes: { 'service.name': 'cron', 'host.name': 'h1' } },
      instrumentationScope: { name: 'logger', version: '2' }, droppedAttributesCount: 0 },
    { hrTime: hr(0, 0), hrTimeObserved: hr(1795514402, 0), severityText: 'notice', body: { k: 'v' },
      attributes: {}, resource: { attributes: {} }, instrumentationScope: { name: '' }, droppedAttributesCount: 1 },
  ];
  const pb = Buffer.from(ProtobufLogsSerializer.serializeRequest(logs));
  const recs = helper(['otlp_decode', 'logs', '-'], pb).toString().split('\n').filter(Boolean).map((l) => JSON.parse(l));
  assert.deepEqual(recs[0], {
    type: 'log', time: '2026-11-24T10:00:00.000000001Z', level: 'warn', msg: 'disk full', service: 'cron',
    trace_id: '5b8efff798038103d269b633813fc60c', span_id: 'eee19b7ec3c1b174', disk: '/dev/sda1', n: 3,
    'attributes.time': 'clash', resource: { 'host.name': 'h1' }, 'otel.scope.name': 'logger',
    'otel.scope.version': '2', observed_time: '2026-11-24T10:00:01.000000000Z',
  });
  assert.deepEqual(recs[1], {
    type: 'log', time: '2026-11-24T10:00:02.000000000Z', level: 'notice', msg: '', service: 'unknown_service',
    'otel.dropped_attributes_count': 1, body: { k: 'v' },
  });
});

check('metrics: JS protobuf serializer body decodes to the expected metric records', () => {
  const { DataPointType, AggregationTemporality } = require('@opentelemetry/sdk-metrics');
  const { ValueType } = require('@opentelemetry/api');
  const t0 = hr(1795514400, 0);
  const t1 = hr(1795514410, 0);
  const rm = {
    resource: { attributes: { 'service.name': 'api', 'service.namespace': 'shop', 'service.instance.id': 'i-1' } },
    scopeMetrics: [{
      scope: { name: 'm' },
      metrics: [
        { descriptor: { name: 'http.requests', description: 'reqs', unit: '1', valueType: ValueType.INT },
          dataPointType: DataPointType.SUM, aggregationTemporality: AggregationTemporality.CUMULATIVE, isMonotonic: true,
          dataPoints: [{ startTime: t0, endTime: t1, attributes: { code: 200 }, value: 7 }] },
        { descriptor: { name: 'queue_depth', description: '', unit: '', valueType: ValueType.DOUBLE },
          dataPointType: DataPointType.GAUGE, aggregationTemporality: AggregationTemporality.CUMULATIVE,
          dataPoints: [{ startTime: t0, endTime: t1, attributes: {}, value: 2.5 }] },
        { descriptor: { name: 'latency', description: '', unit: 's', valueType: ValueType.DOUBLE },
          dataPointType: DataPointType.HISTOGRAM, aggregationTemporality: AggregationTemporality.CUMULATIVE,
          dataPoints: [{ startTime: t0, endTime: t1, attributes: { path: '/' },
            value: { buckets: { boundaries: [0.1, 1], counts: [1, 2, 1] }, sum: 3.5, count: 4, min: 0.05, max: 2 } }] },
      ],
    }],
  };
  const pb = Buffer.from(ProtobufMetricsSerializer.serializeRequest(rm));
  const recs = helper(['otlp_decode', 'metrics', '-'], pb).toString().split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const time = '2026-11-24T10:00:10.000000000Z';
  const base = { job: 'shop/api', instance: 'i-1' };
  assert.deepEqual(recs, [
    { type: 'metric', name: 'http_requests', metric_type: 'counter', value: 7, labels: { code: '200', ...base },
      time, help: 'reqs', unit: '1', cumulative: true },
    { type: 'metric', name: 'queue_depth', metric_type: 'gauge', value: 2.5, labels: base, time },
    ...[['0.1', 1], ['1', 3], ['+Inf', 4]].map(([le, v]) => ({ type: 'metric', name: 'latency_bucket',
      metric_type: 'histogram', value: v, labels: { path: '/', ...base, le }, time, unit: 's', cumulative: true })),
    { type: 'metric', name: 'latency_sum', metric_type: 'histogram', value: 3.5, labels: { path: '/', ...base }, time, unit: 's', cumulative: true },
    { type: 'metric', name: 'latency_count', metric_type: 'histogram', value: 4, labels: { path: '/', ...base }, time, unit: 's', cumulative: true },
  ]);
});

fs.rmSync(TMP, { recursive: true, force: true });
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
