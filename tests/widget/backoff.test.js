'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { backoffDelay, Backoff } = require('./helpers').widget;

test('delays start at about half a second, double, and never pass 30 s', () => {
  for (const r of [0, 0.3, 0.999999]) {
    const random = () => r;
    let prevMax = 0;
    for (let a = 0; a < 40; a++) {
      const d = backoffDelay(a, { random });
      const ceil = Math.min(30000, 500 * 2 ** a);
      assert.ok(d >= ceil / 2 && d <= ceil, `attempt ${a}: ${d} not in [${ceil / 2}, ${ceil}]`);
      assert.ok(d <= 30000);
      prevMax = Math.max(prevMax, d);
    }
    assert.ok(prevMax >= 15000);
  }
  assert.equal(backoffDelay(0, { random: () => 0 }), 250);
  assert.equal(backoffDelay(0, { random: () => 1 }), 500);
  assert.equal(backoffDelay(1, { random: () => 1 }), 1000);
  assert.equal(backoffDelay(1000, { random: () => 1 }), 30000);
});

test('jitter spreads clients apart', () => {
  const seen = new Set();
  for (let i = 0; i < 50; i++) seen.add(backoffDelay(5));
  assert.ok(seen.size > 10);
});

test('a Backoff grows with each attempt and starts over after reset', () => {
  const b = new Backoff({ random: () => 1 });
  assert.deepEqual([b.next(), b.next(), b.next(), b.next()], [500, 1000, 2000, 4000]);
  b.reset();
  assert.equal(b.next(), 500);
});
