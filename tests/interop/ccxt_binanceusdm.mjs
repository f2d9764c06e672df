// ccxt_binanceusdm.mjs URL KEY SECRET - an unmodified CCXT (REST and
// ccxt.pro) runs a Binance USD-M perpetuals session against lotusx-mock's
// binanceusdm door. Prints TAP. CCXT is pointed at the mock by the recipe of
// ../shared/reference/ccxt.md: every URL keeps its path and gets the mock's
// scheme://host:port (ccxt.pro then connects /public/ws/<n>, /market/ws/<n>
// and /private/ws?listenKey=K under it).
import http from 'node:http';
import ccxt from 'ccxt';

const [url, apiKey, secret] = process.argv.slice(2);
const wsBase = url.replace(/^http/, 'ws');
let n = 0, failed = 0;
const plan = 36;
console.log(`1..${plan}`);
const ok = (cond, what) => {
    n++;
    if (!cond) failed++;
    console.log(`${cond ? 'ok' : 'not ok'} ${n} - ${what}`);
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function rebase(tree) {
    for (const k of Object.keys(tree)) {
        const v = tree[k];
        if (typeof v === 'string') {
            tree[k] = v.replace(/^https?:\/\/[^/]+/, url)
                       .replace(/^wss?:\/\/[^/]+/, wsBase);
        } else if (v && typeof v === 'object') {
            rebase(v);
        }
    }
}

function make(key, sec) {
    const ex = new ccxt.pro.binanceusdm({
        apiKey: key, secret: sec, enableRateLimit: false,
        options: {
            fetchCurrencies: false,
            fetchMarkets: { types: ['linear'] },
        },
    });
    ex.has.fetchCurrencies = false;
    rebase(ex.urls.api);
    ex.httpAgent = new http.Agent({ keepAlive: true });
    return ex;
}

// A step that throws fails as many TAP points as it would have printed, so
// the plan count stays right and the script exits non-zero.
async function step(what, fn, points = 1) {
    const before = n;
    try {
        await fn();
    } catch (e) {
        const msg = `${e.constructor.name}: ${String(e.message).slice(0, 200)}`;
        ok(false, `${what}: ${msg}`);
        while (n - before < points) ok(false, `${what}: skipped after the error`);
    }
}

const ex = make(apiKey, secret);
const sym = 'BTC/USDT:USDT';
const qty = 0.002; // 0.002 BTC ~ 120 USDT: above the 100 USDT MIN_NOTIONAL
let market;
await step('loadMarkets', async () => {
    const m = await ex.loadMarkets();
    market = m[sym];
    ok(market !== undefined && market.linear && market.swap &&
       market.precision.price !== undefined && market.limits.amount.min > 0,
       'loadMarkets has BTC/USDT:USDT, a linear swap with precision and limits');
});
let bid = 0, ask = 0;
await step('fetchOrderBook', async () => {
    const b = await ex.fetchOrderBook(sym, 5);
    bid = b.bids[0][0];
    ask = b.asks[0][0];
    ok(b.bids.length > 0 && b.asks.length > 0 && bid < ask && b.nonce > 0,
       `fetchOrderBook: uncrossed book (${bid} / ${ask})`);
});
await step('fetchTrades', async () => {
    const t = await ex.fetchTrades(sym, undefined, 5);
    ok(Array.isArray(t) && t.every((x) => x.symbol === sym && x.price > 0),
       `fetchTrades (${t.length} trades)`);
});
await step('fetchTicker', async () => {
    const t = await ex.fetchTicker(sym);
    ok(t.symbol === sym && t.last > 0, `fetchTicker (last ${t.last})`);
});
await step('fetchOHLCV', async () => {
    const k = await ex.fetchOHLCV(sym, '1m', undefined, 5);
    ok(k.length >= 1 && k.length <= 5 && k[0].length === 6 && k[0][2] >= k[0][3],
       `fetchOHLCV: ${k.length} bars`);
});
let usdt0 = 0;
await step('fetchBalance', async () => {
    const b = await ex.fetchBalance();
    usdt0 = b.free.USDT;
    ok(b.total.USDT > 0 && b.free.USDT > 0, `fetchBalance (USDT ${b.total.USDT})`);
});
await step('setLeverage', async () => {
    const r = await ex.setLeverage(5, sym);
    const l = await ex.fetchLeverage(sym); // GET /fapi/v1/symbolConfig
    ok(Number(r.leverage) === 5 && l.longLeverage === 5 && l.marginMode === 'cross',
       'setLeverage 5; fetchLeverage reads it back (cross)');
});
// Far from the book but inside PERCENT_PRICE (0.95..1.05 of the mark).
const far = () => ex.priceToPrecision(sym, bid * 0.97);
let oid;
await step('createOrder limit', async () => {
    const px = Number(far());
    const o = await ex.createOrder(sym, 'limit', 'buy', qty, px);
    oid = o.id;
    ok(o.status === 'open' && o.price === px && o.amount === qty,
       `createOrder limit far from the book (${px}): open`);
});
await step('fetchOpenOrders', async () => {
    const o = await ex.fetchOpenOrders(sym);
    ok(o.some((x) => x.id === oid), 'fetchOpenOrders lists it');
});
await step('fetchOrder', async () => {
    const o = await ex.fetchOrder(oid, sym);
    ok(o.id === oid && o.status === 'open' && o.amount === qty && o.filled === 0,
       'fetchOrder: open, nothing filled');
});
await step('cancelOrder', async () => {
    const o = await ex.cancelOrder(oid, sym);
    const left = await ex.fetchOpenOrders(sym);
    ok(o.status === 'canceled' && !left.some((x) => x.id === oid),
       'cancelOrder: canceled and gone from open orders');
});
await step('setMarginMode isolated', async () => {
    await ex.setMarginMode('isolated', sym);
    const l = await ex.fetchLeverage(sym);
    ok(l.marginMode === 'isolated' && l.longLeverage === 5, 'setMarginMode isolated');
});
let buyId;
await step('createOrder market', async () => {
    const o = await ex.createOrder(sym, 'market', 'buy', qty);
    buyId = o.id;
    ok(o.status === 'closed' && o.filled === qty && o.average > 0,
       `createOrder market buy: filled at ${o.average}`);
});
await step('fetchMyTrades', async () => {
    const t = await ex.fetchMyTrades(sym);
    const mine = t.filter((x) => x.order === buyId);
    ok(mine.length >= 1 && mine.every((x) => x.side === 'buy' && x.fee.cost > 0) &&
       mine.reduce((s, x) => s + x.amount, 0).toFixed(3) === qty.toFixed(3),
       `fetchMyTrades shows the fill (${mine.length} trades, fees in ${mine[0]?.fee?.currency})`);
});
await step('balance moved', async () => {
    const b = await ex.fetchBalance();
    ok(b.free.USDT < usdt0 && b.used.USDT > 0,
       `fetchBalance: margin in use (free ${b.free.USDT}, used ${b.used.USDT})`);
});
await step('fetchPositions open', async () => {
    const p = (await ex.fetchPositions([sym])).filter((x) => x.contracts > 0);
    const x = p[0];
    // /fapi/v3/positionRisk has no leverage field (ccxt leaves it undefined
    // on the real venue too); the isolated margin is a fifth of the cost.
    ok(p.length === 1 && x.side === 'long' && x.contracts === qty && x.entryPrice > 0 &&
       x.marginMode === 'isolated' &&
       Math.abs(x.collateral - x.entryPrice * qty / 5) < 0.01,
       `fetchPositions: long ${x?.contracts} at ${x?.entryPrice}, isolated, collateral ${x?.collateral}`);
    // isolated at 5x: liquidated near entry * (1 - 1/5) / (1 - 0.004)
    const want = x.entryPrice * 0.8 / 0.996;
    ok(x !== undefined && Math.abs(x.liquidationPrice - want) < 0.5,
       `fetchPositions: liquidation price ${x?.liquidationPrice} (${want.toFixed(1)} expected)`);
}, 2);
await step('reduce-only close', async () => {
    const o = await ex.createOrder(sym, 'market', 'sell', qty, undefined, { reduceOnly: true });
    ok(o.status === 'closed' && o.filled === qty && o.reduceOnly === true,
       'createOrder market sell reduceOnly: filled');
});
await step('fetchPositions closed', async () => {
    const p = (await ex.fetchPositions([sym])).filter((x) => x.contracts > 0);
    ok(p.length === 0, 'fetchPositions: the position is closed');
});
await step('setMarginMode cross', async () => {
    await ex.setMarginMode('cross', sym);
    const l = await ex.fetchLeverage(sym);
    ok(l.marginMode === 'cross', 'setMarginMode back to cross');
});
await step('reduce-only with no position', async () => {
    try {
        await ex.createOrder(sym, 'market', 'sell', qty, undefined, { reduceOnly: true });
        ok(false, 'reduce-only order with no position rejected');
    } catch (e) {
        // ccxt picks its USD-M error table by the fapi.binance.com host, so
        // on a local URL -2022 surfaces as the generic ExchangeError.
        ok(e instanceof ccxt.ExchangeError && /-2022/.test(e.message),
           `reduce-only order with no position rejected (${e.constructor.name} -2022)`);
    }
});
let algoId;
await step('createOrder trigger', async () => {
    const tp = Number(ex.priceToPrecision(sym, ask * 1.03));
    const o = await ex.createOrder(sym, 'market', 'buy', qty, undefined, { triggerPrice: tp });
    algoId = o.id;
    const open = await ex.fetchOpenOrders(sym, undefined, undefined, { trigger: true });
    ok(o.id !== undefined && o.triggerPrice === tp && open.some((x) => x.id === algoId),
       `createOrder stop-market (algo order, trigger ${tp}): open`);
});
await step('cancel trigger', async () => {
    const o = await ex.cancelOrder(algoId, sym, { trigger: true });
    const open = await ex.fetchOpenOrders(sym, undefined, undefined, { trigger: true });
    const f = await ex.fetchOrder(algoId, sym, { trigger: true });
    ok(o.id === algoId && !open.some((x) => x.id === algoId) && f.status === 'canceled',
       'cancelOrder trigger: gone from open algo orders, fetchOrder says canceled');
});
await step('wrong secret', async () => {
    const bad = make(apiKey, 'not-the-secret');
    bad.markets = ex.markets;
    bad.marketsById = ex.marketsById;
    bad.symbols = ex.symbols;
    try {
        await bad.fetchBalance();
        ok(false, 'wrong secret rejected');
    } catch (e) {
        ok(e instanceof ccxt.AuthenticationError, `wrong secret rejected (${e.constructor.name})`);
    }
});
await step('watchOrderBook', async () => {
    let book;
    for (let i = 0; i < 5; i++) {
        book = await ex.watchOrderBook(sym);
    }
    const rest = await ex.fetchOrderBook(sym, 1000);
    ok(book.bids.length > 0 && book.asks.length > 0 && book.bids[0][0] < book.asks[0][0],
       `watchOrderBook: sane book after 5 updates (nonce ${book.nonce})`);
    // The maker requotes each second: compare with a REST snapshot of the
    // same update id, or within a few ticks otherwise.
    const tick = market.precision.price;
    const same = rest.nonce === book.nonce;
    ok(same ? book.bids[0][0] === rest.bids[0][0] && book.asks[0][0] === rest.asks[0][0]
            : Math.abs(book.bids[0][0] - rest.bids[0][0]) <= 50 * tick + 5,
       `watchOrderBook best bid ${book.bids[0][0]} matches REST ${rest.bids[0][0]}`);
}, 2);
await step('watchTrades', async () => {
    const t = await ex.watchTrades(sym);
    ok(t.length >= 1 && t[0].price > 0 && t[0].symbol === sym, 'watchTrades receives trades');
});
// Resolves with the first thing a watch delivers that pred accepts: first is
// a watch started before the action (so its event cannot be missed), again
// starts the next one. Rejects after ms.
async function waitFor(first, again, pred, ms = 10000) {
    let timer;
    const limit = new Promise((_, rej) => {
        timer = setTimeout(() => rej(new Error(`nothing after ${ms} ms`)), ms);
    });
    try {
        let r = await Promise.race([first, limit]);
        while (!pred(r)) r = await Promise.race([again(), limit]);
        return r;
    } finally {
        clearTimeout(timer);
    }
}
const orders = () => ex.watchOrders(sym);
await step('watchOrders new', async () => {
    const pending = orders();
    await sleep(300); // let the listen key and the connection land
    const px = Number(far());
    const placed = await ex.createOrder(sym, 'limit', 'buy', qty, px);
    const os = await waitFor(pending, orders, (r) => r.some((o) => o.id === placed.id));
    ok(os.some((o) => o.id === placed.id && o.status === 'open' && o.price === px),
       'watchOrders sees the new order (ORDER_TRADE_UPDATE NEW)');
    const seen = orders();
    await ex.cancelOrder(placed.id, sym);
    const gone = await waitFor(seen, orders,
        (r) => r.some((o) => o.id === placed.id && o.status !== 'open'));
    ok(gone.some((o) => o.id === placed.id && o.status === 'canceled'),
       'watchOrders sees it canceled');
}, 2);
await step('watchOrders fill', async () => {
    const pending = orders();
    const placed = await ex.createOrder(sym, 'market', 'buy', qty);
    const os = await waitFor(pending, orders,
        (r) => r.some((o) => o.id === placed.id && o.status === 'closed'));
    const o = os.find((x) => x.id === placed.id && x.status === 'closed');
    ok(o.filled === qty && o.average > 0, 'watchOrders sees the market order filled');
    const closing = orders();
    const close = await ex.createOrder(sym, 'market', 'sell', qty, undefined, { reduceOnly: true });
    await waitFor(closing, orders, (r) => r.some((x) => x.id === close.id && x.status === 'closed'));
    const p = (await ex.fetchPositions([sym])).filter((x) => x.contracts > 0);
    ok(p.length === 0, 'watchOrders sees the reduce-only close filled; no position left');
}, 2);
await step('watchMyTrades', async () => {
    const pending = ex.watchMyTrades(sym);
    const placed = await ex.createOrder(sym, 'market', 'buy', qty);
    const t = await waitFor(pending, () => ex.watchMyTrades(sym),
        (r) => r.some((x) => x.order === placed.id));
    ok(t.some((x) => x.order === placed.id && x.side === 'buy' && x.price > 0 && x.fee.cost > 0),
       'watchMyTrades sees the fill with its fee');
    await ex.createOrder(sym, 'market', 'sell', qty, undefined, { reduceOnly: true });
});
await step('watchOrders trigger', async () => {
    const pending = orders();
    const tp = Number(ex.priceToPrecision(sym, ask * 1.03));
    const placed = await ex.createOrder(sym, 'market', 'buy', qty, undefined, { triggerPrice: tp });
    // The previous step's close sends its updates late; one that lands
    // between two watchOrders calls is cached by ccxt but resolves no watch,
    // so the ALGO_UPDATE is looked for in ccxt's order cache (filled only
    // from the stream) while the watches go on.
    const seen = () => Array.from(ex.orders || []).find((x) => x.id === placed.id);
    const poll = async () => { while (!seen()) await sleep(50); return [seen()]; };
    const os = await waitFor(Promise.race([pending, poll()]),
        () => Promise.race([orders(), poll()]), (r) => r.some((o) => o.id === placed.id));
    const o = os.find((x) => x.id === placed.id);
    ok(o.status === 'open' && o.triggerPrice === tp,
       'watchOrders sees the algo order (ALGO_UPDATE NEW)');
    await ex.cancelOrder(placed.id, sym, { trigger: true });
});
await step('watchPositions and watchBalance', async () => {
    // watchOrders has opened the private stream and loaded ccxt's positions
    // snapshot (REST positionRisk), so watchPositions waits for ACCOUNT_UPDATE.
    const positions = () => ex.watchPositions([sym]);
    const pending = positions();
    const balance = ex.watchBalance();
    await ex.createOrder(sym, 'market', 'buy', qty);
    const open = await waitFor(pending, positions,
        (r) => r.some((x) => x.symbol === sym && x.contracts > 0));
    const x = open.find((y) => y.symbol === sym && y.contracts > 0);
    ok(x.contracts === qty && x.side === 'long' && x.entryPrice > 0 && x.marginMode === 'cross',
       `watchPositions sees the position open (ACCOUNT_UPDATE, ${x.contracts} at ${x.entryPrice})`);
    const b = await waitFor(balance, () => ex.watchBalance(), (r) => r.total.USDT > 0);
    const rest = await ex.fetchBalance();
    ok(Math.abs(b.total.USDT - rest.total.USDT) < 1,
       `watchBalance: USDT wallet ${b.total.USDT} (REST total ${rest.total.USDT})`);
    const closing = positions();
    await ex.createOrder(sym, 'market', 'sell', qty, undefined, { reduceOnly: true });
    const closed = await waitFor(closing, positions,
        (r) => r.some((y) => y.symbol === sym && y.contracts === 0));
    ok(closed.some((y) => y.symbol === sym && y.contracts === 0),
       'watchPositions sees it closed');
}, 3);
await ex.close();
process.exit(failed === 0 && n === plan ? 0 : 1);
