// SPDX-License-Identifier: MIT
// Sends spans, metrics and logs to an OTLP/HTTP endpoint (obs-export serve) with the
// OpenTelemetry JavaScript SDK and its OTLP exporters, then prints what was sent
// (the ids the SDK made) as one JSON object on stdout.
//
//   node send.js BASE_URL proto|json SERVICE [TOKEN]
//
// proto sends http/protobuf with gzip compression, json sends http/json
// uncompressed. Any export failure (or a partial success the exporters warn
// about) makes the script exit 1.
'use strict';

const api = require('@opentelemetry/api');
const { SeverityNumber } = require('@opentelemetry/api-logs');
const { setGlobalErrorHandler } = require('@opentelemetry/core');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { BasicTracerProvider, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { MeterProvider, PeriodicExportingMetricReader, AggregationType } =
	require('@opentelemetry/sdk-metrics');
const { LoggerProvider, SimpleLogRecordProcessor } = require('@opentelemetry/sdk-logs');

const [, , base, protocol, service, token] = process.argv;
if (!base || !['proto', 'json'].includes(protocol) || !service) {
	console.error('usage: node send.js BASE_URL proto|json SERVICE [TOKEN]');
	process.exit(2);
}

const exporters = protocol === 'proto' ? {
	trace: require('@opentelemetry/exporter-trace-otlp-proto').OTLPTraceExporter,
	metric: require('@opentelemetry/exporter-metrics-otlp-proto').OTLPMetricExporter,
	log: require('@opentelemetry/exporter-logs-otlp-proto').OTLPLogExporter,
} : {
	trace: require('@opentelemetry/exporter-trace-otlp-http').OTLPTraceExporter,
	metric: require('@opentelemetry/exporter-metrics-otlp-http').OTLPMetricExporter,
	log: require('@opentelemetry/exporter-logs-otlp-http').OTLPLogExporter,
};

const problems = [];
setGlobalErrorHandler((err) => problems.push(`error: ${err && err.message ? err.message : err}`));
api.diag.setLogger({
	error: (...a) => problems.push(`diag error: ${a.join(' ')}`),
	warn: (...a) => problems.push(`diag warn: ${a.join(' ')}`),
	info: () => {}, debug: () => {}, verbose: () => {},
}, api.DiagLogLevel.WARN);

function options(signal) {
	const o = { url: `${base}/v1/${signal}`, timeoutMillis: 5000 };
	if (token)
		o.headers = { Authorization: `Bearer ${token}` };
	if (protocol === 'proto')
		o.compression = 'gzip';
	return o;
}

const resource = resourceFromAttributes({
	'service.name': service,
	'service.version': '1.2.3',
	'deployment.environment.name': 'test',
});

// Fixed times (hrtime pairs keep the nanoseconds): 2026-11-24T10:00:00.123456789Z.
const T0 = 1795514400;
const at = (s, ns) => [T0 + s, ns];

async function sendSpans() {
	const provider = new BasicTracerProvider({
		resource,
		spanProcessors: [new SimpleSpanProcessor(new exporters.trace(options('traces')))],
	});
	const tracer = provider.getTracer('obs-test-tracer', '0.9.1');
	const root = tracer.startSpan('checkout', {
		kind: api.SpanKind.SERVER,
		startTime: at(0, 123456789),
		attributes: {
			'http.request.method': 'POST',
			'http.response.status_code': 200,
			'cart.total': 59.5,
			'cart.gift': true,
			'cart.skus': ['sku-1', 'sku-2'],
		},
	});
	const ctx = api.trace.setSpan(api.ROOT_CONTEXT, root);
	const child = tracer.startSpan('SELECT orders', {
		kind: api.SpanKind.CLIENT,
		startTime: at(0, 200000000),
		attributes: { 'db.system.name': 'postgresql' },
	}, ctx);
	child.addEvent('retry', { attempt: 2 }, at(0, 300000000));
	child.setStatus({ code: api.SpanStatusCode.ERROR, message: 'timeout' });
	child.end(at(0, 900000000));
	root.setStatus({ code: api.SpanStatusCode.OK });
	root.end(at(1, 0));
	await provider.forceFlush();
	await provider.shutdown();
	return {
		trace_id: root.spanContext().traceId,
		root_span_id: root.spanContext().spanId,
		child_span_id: child.spanContext().spanId,
		ctx,
	};
}

async function sendMetrics() {
	const exporter = new exporters.metric(options('metrics'));
	const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3600000 });
	const provider = new MeterProvider({
		resource,
		readers: [reader],
		views: [{
			instrumentName: 'request.duration',
			aggregation: {
				type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM,
				options: { boundaries: [0.1, 0.5, 1] },
			},
		}],
	});
	const meter = provider.getMeter('obs-test-meter', '0.9.1');
	const jobs = meter.createCounter('jobs.done', { description: 'Jobs done', unit: '1' });
	jobs.add(3, { queue: 'a' });
	jobs.add(2, { queue: 'a' });
	jobs.add(7, { queue: 'b' });
	const hist = meter.createHistogram('request.duration', { unit: 's' });
	for (const v of [0.05, 0.2, 0.3, 0.7, 2])
		hist.record(v, { route: '/checkout' });
	const temp = meter.createGauge('room.temperature');
	temp.record(21.5, { room: 'lab' });
	const depth = meter.createUpDownCounter('queue.depth');
	depth.add(4);
	depth.add(-1);
	// shutdown collects and exports once (cumulative temporality, the SDK's default)
	await provider.shutdown();
}

async function sendLogs(spanCtx) {
	const provider = new LoggerProvider({
		resource,
		processors: [new SimpleLogRecordProcessor(new exporters.log(options('logs')))],
	});
	const logger = provider.getLogger('obs-test-logger', '0.9.1');
	logger.emit({
		timestamp: at(2, 500),
		severityNumber: SeverityNumber.WARN,
		severityText: 'WARN',
		body: 'disk almost full',
		attributes: { disk: '/dev/sda1', pct: 93.5, retries: 3 },
		context: spanCtx,
	});
	logger.emit({
		timestamp: at(3, 0),
		severityNumber: SeverityNumber.ERROR2,
		body: 'payment failed',
		attributes: { 'error.type': 'CardDeclined' },
	});
	await provider.forceFlush();
	await provider.shutdown();
}

(async () => {
	const sent = await sendSpans();
	await sendMetrics();
	await sendLogs(sent.ctx);
	delete sent.ctx;
	if (problems.length) {
		for (const p of problems)
			console.error(`send.js: ${p}`);
		process.exit(1);
	}
	console.log(JSON.stringify(sent));
})().catch((e) => {
	console.error(`send.js: ${e && e.stack ? e.stack : e}`);
	process.exit(1);
});
