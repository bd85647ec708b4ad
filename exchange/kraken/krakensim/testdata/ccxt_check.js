// ccxt conformance check for krakensim (run by ccxt_test.go).
//
// usage: node ccxt_check.js CCXT_DIR BASE_URL API_KEY SECRET
//
// Points ccxt's kraken class at the emulator, walks the full ledger and
// trade history page by page (params {ofs}), fetches the balance and some
// candles, and prints one JSON object with the raw `info` records, which
// keep Kraken's exact decimal strings (ccxt's unified numbers are floats).
'use strict';
const path = require('path');
const { createRequire } = require('module');

const [ccxtDir, base, apiKey, secret] = process.argv.slice(2);
// Resolve 'ccxt' as a package installed in ccxtDir (honours its exports map).
const ccxt = createRequire(path.join(ccxtDir, 'package.json'))('ccxt');

async function main() {
  const ex = new ccxt.kraken({
    apiKey, secret,
    enableRateLimit: false,
    timeout: 20000,
    urls: { api: { public: base, private: base } },
  });
  // ccxt's default nonce is milliseconds; two calls in one millisecond
  // would reuse it. A strictly increasing counter keeps the check robust.
  let nonce = Date.now() * 1000;
  ex.nonce = () => ++nonce;

  const out = { ledger: [], trades: [], ledgerPages: 0, tradePages: 0 };

  const balance = await ex.fetchBalance();
  out.balance = balance.info.result;

  for (let ofs = 0; ; ofs += 50) {
    const page = await ex.fetchLedger(undefined, undefined, undefined, { ofs });
    if (page.length === 0) break;
    out.ledgerPages++;
    for (const e of page) out.ledger.push({ id: e.id, info: e.info, currency: e.currency, amount: e.amount });
    if (out.ledgerPages > 10000) throw new Error('runaway ledger walk');
  }

  for (let ofs = 0; ; ofs += 50) {
    const page = await ex.fetchMyTrades(undefined, undefined, undefined, { ofs });
    if (page.length === 0) break;
    out.tradePages++;
    for (const t of page) out.trades.push({ id: t.id, info: t.info, symbol: t.symbol, side: t.side });
    if (out.tradePages > 10000) throw new Error('runaway trade walk');
  }

  out.ohlcv = await ex.fetchOHLCV('BTC/EUR', '1d');
  process.stdout.write(JSON.stringify(out));
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack || err) + '\n');
  process.exit(1);
});
