import assert from 'node:assert/strict';
import { test } from 'node:test';
import { entryResourceSpans, minifyJson, resourceBytes } from '../../src/source/fhir/bundleSpans.js';

test('finds each entry.resource byte span, keeping decimal text, nested "resource" keys and escapes', () => {
  const r1 = '{"resourceType":"Observation","id":"o1","valueQuantity":{"value":36.50},"note":[{"text":"a \\"resource\\": {x}"}]}';
  const r2 = '{"resourceType":"Patient","id":"p1","name":[{"text":"Conceição"}],"extension":[{"resource":{"x":1}}]}';
  const bundle = `{"resourceType":"Bundle","type":"searchset","link":[{"relation":"next","url":"x"}],"entry":[{"fullUrl":"a","resource":${r1},"search":{"mode":"match"}},{"request":{"method":"DELETE","url":"Patient/gone"}},{"resource": ${r2}}]}`;
  const buf = Buffer.from(bundle, 'utf8');
  const spans = entryResourceSpans(buf);
  assert.equal(spans.length, 3);
  assert.equal(resourceBytes(buf, spans[0]!.resource!).toString('utf8'), r1);
  assert.equal(spans[1]!.resource, null);
  assert.equal(resourceBytes(buf, spans[2]!.resource!).toString('utf8'), r2);
});

test('pretty-printed resources become one line with values untouched', () => {
  const pretty = Buffer.from('{\n  "resourceType": "Observation",\n  "valueQuantity": { "value": 1.230e2 },\n  "text": "two  spaces\\n"\n}');
  assert.equal(minifyJson(pretty).toString(), '{"resourceType":"Observation","valueQuantity":{"value":1.230e2},"text":"two  spaces\\n"}');
  const bundle = Buffer.from(`{"entry": [ {"resource": ${pretty.toString()} } ]}`);
  const spans = entryResourceSpans(bundle);
  assert.equal(resourceBytes(bundle, spans[0]!.resource!).toString(), minifyJson(pretty).toString());
});
