// ccxt_binance.mjs URL KEY SECRET - an unmodified CCXT (REST and ccxt.pro)
// runs a Binance spot session against lotusx-mock. Prints TAP. CCXT is
// pointed at the mock by the recipe of ../shared/reference/ccxt.md: every
// URL keeps its path and gets the mock's scheme://host:port.
import http from 'node:http';
import ccxt from 'ccxt';

const [url, apiKey, secret] = process.argv.slice(2);
const wsBase = url.replace(/^http/, 'ws');
let n = 0, failed = 0;
const plan = 18;
console.log(`1..${plan}`);
const ok = (cond, what) => {
    n++;
    if (!cond) failed++;
    console.log(`${cond ? 'ok' : 'not ok'} ${n} - ${what}`);
};

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
    const ex = new ccxt.pro.binance({
        apiKey: key, secret: sec, enableRateLimit: false,
        options: {
            fetchCurrencies: false, fetchMargins: false,
            fetchMarkets: { types: ['spot'] },
        },
    });
    ex.has.fetchCurrencies = false;
    rebase(ex.urls.api);
    ex.httpAgent = new http.Agent({ keepAlive: true });
    return ex;
}

async function step(what, fn) {
    try {
        await fn();
    } catch (e) {
        ok(false, `${what}: ${e.constructor.name}: ${String(e.message).slice(0, 200)}`);
    }
}

const ex = make(apiKey, secret);
const sym = 'BTC/USDT';
await step('loadMarkets', async () => {
    const m = await ex.loadMarkets();
    ok(m[sym] !== undefined && m[sym].precision.price !== undefined, 'loadMarkets has BTC/USDT with precision');
});
await step('fetchOrderBook', async () => {
    const b = await ex.fetchOrderBook(sym, 5);
    ok(b.bids.length > 0 && b.asks.length > 0 && b.bids[0][0] < b.asks[0][0], 'fetchOrderBook: uncrossed book');
});
await step('fetchTrades', async () => {
    const t = await ex.fetchTrades(sym, undefined, 5);
    ok(Array.isArray(t), `fetchTrades (${t.length} trades)`);
});
await step('fetchTicker', async () => {
    const t = await ex.fetchTicker(sym);
    ok(t.symbol === sym && t.bid > 0 && t.ask > t.bid, 'fetchTicker: bid < ask');
});
await step('fetchOHLCV', async () => {
    const k = await ex.fetchOHLCV(sym, '1m', undefined, 5);
    ok(k.length === 5 && k[0].length === 6, 'fetchOHLCV: 5 bars');
});
let usdt0 = 0;
await step('fetchBalance', async () => {
    const b = await ex.fetchBalance();
    usdt0 = b.free.USDT;
    ok(b.total.USDT > 0 && b.total.BTC > 0, `fetchBalance (USDT ${b.total.USDT}, BTC ${b.total.BTC})`);
});
let oid;
await step('createOrder limit', async () => {
    const o = await ex.createOrder(sym, 'limit', 'buy', 0.001, 50000);
    oid = o.id;
    ok(o.status === 'open' && o.price === 50000, 'createOrder limit far from the book: open');
});
await step('fetchOpenOrders', async () => {
    const o = await ex.fetchOpenOrders(sym);
    ok(o.some((x) => x.id === oid), 'fetchOpenOrders lists it');
});
await step('fetchOrder', async () => {
    const o = await ex.fetchOrder(oid, sym);
    ok(o.id === oid && o.status === 'open' && o.amount === 0.001, 'fetchOrder');
});
await step('cancelOrder', async () => {
    const o = await ex.cancelOrder(oid, sym);
    ok(o.status === 'canceled', 'cancelOrder');
});
await step('createOrder market', async () => {
    const o = await ex.createOrder(sym, 'market', 'buy', 0.001);
    ok(o.status === 'closed' && o.filled === 0.001, 'createOrder market: filled');
});
await step('fetchMyTrades', async () => {
    const t = await ex.fetchMyTrades(sym);
    ok(t.length >= 1 && t[t.length - 1].side === 'buy', 'fetchMyTrades shows the fill');
});
await step('balance moved', async () => {
    const b = await ex.fetchBalance();
    ok(b.free.USDT < usdt0, 'fetchBalance: USDT spent');
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
    for (let i = 0; i < 3; i++) {
        book = await ex.watchOrderBook(sym);
    }
    const rest = await ex.fetchOrderBook(sym, 1000);
    ok(book.bids.length > 0 && book.asks.length > 0 && book.bids[0][0] < book.asks[0][0],
       `watchOrderBook: sane book after 3 updates (nonce ${book.nonce})`);
    ok(Math.abs(book.bids[0][0] - rest.bids[0][0]) < 5, 'watchOrderBook best bid matches REST');
});
await step('watchTrades', async () => {
    const t = await ex.watchTrades(sym);
    ok(t.length >= 1 && t[0].price > 0, 'watchTrades receives trades');
});
await step('watchOrders', async () => {
    const pending = ex.watchOrders(sym);
    await new Promise((r) => setTimeout(r, 300)); // let the subscription land
    const placed = await ex.createOrder(sym, 'limit', 'buy', 0.001, 50000);
    const orders = await pending;
    ok(orders.some((o) => o.id === placed.id && o.status === 'open'),
       'watchOrders sees the new order (WebSocket API user data)');
    await ex.cancelOrder(placed.id, sym);
});
await ex.close();
process.exit(failed === 0 && n === plan ? 0 : 1);
