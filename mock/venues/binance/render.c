/*
 * render.c - Binance payloads from the unified types (see render.h). The
 * field orders are the venue's, as recorded in ../shared/samples; the
 * unit test renders every recorded message again and compares bytes.
 */
#include "mock/venues/binance/render.h"

/* ,"k":<int> */
static void kv_i64(struct lx_mock_sb *sb, const char *k, int64_t v)
{
    lx_mock_sb_str(sb, k);
    lx_mock_sb_i64(sb, v);
}

/* ,"k":"<decimal>" */
static void kv_dec(struct lx_mock_sb *sb, const char *k, struct lx_decimal v)
{
    lx_mock_sb_str(sb, k);
    lx_mock_sb_dec_str(sb, v);
}

static void kv_sym(struct lx_mock_sb *sb, const char *k, const char *sym)
{
    lx_mock_sb_str(sb, k);
    lx_mock_sb_json_str(sb, sym);
}

static void levels(struct lx_mock_sb *sb, const struct lx_level *l, size_t n)
{
    size_t i;

    lx_mock_sb_add(sb, "[", 1);
    for (i = 0; i < n; i++) {
        lx_mock_sb_str(sb, i > 0 ? ",[" : "[");
        lx_mock_sb_dec_str(sb, l[i].price);
        lx_mock_sb_add(sb, ",", 1);
        lx_mock_sb_dec_str(sb, l[i].qty);
        lx_mock_sb_add(sb, "]", 1);
    }
    lx_mock_sb_add(sb, "]", 1);
}

void lx_mock_bn_render_trade(struct lx_mock_sb *sb, const struct lx_trade *t,
                             bool futures)
{
    kv_i64(sb, "{\"e\":\"trade\",\"E\":", t->event_ms);
    if (futures) {
        kv_i64(sb, ",\"T\":", t->trade_ms);
        kv_sym(sb, ",\"s\":", t->symbol);
        kv_i64(sb, ",\"t\":", t->trade_id);
        kv_dec(sb, ",\"p\":", t->price);
        kv_dec(sb, ",\"q\":", t->qty);
        lx_mock_sb_str(sb, ",\"X\":\"MARKET\",\"m\":");
        lx_mock_sb_bool(sb, t->buyer_is_maker);
        lx_mock_sb_add(sb, "}", 1);
        return;
    }
    kv_sym(sb, ",\"s\":", t->symbol);
    kv_i64(sb, ",\"t\":", t->trade_id);
    kv_dec(sb, ",\"p\":", t->price);
    kv_dec(sb, ",\"q\":", t->qty);
    kv_i64(sb, ",\"T\":", t->trade_ms);
    lx_mock_sb_str(sb, ",\"m\":");
    lx_mock_sb_bool(sb, t->buyer_is_maker);
    lx_mock_sb_str(sb, ",\"M\":true}");
}

void lx_mock_bn_render_agg_trade(struct lx_mock_sb *sb,
                                 const struct lx_trade *t, bool futures)
{
    kv_i64(sb, "{\"e\":\"aggTrade\",\"E\":", t->event_ms);
    if (futures) {
        kv_i64(sb, ",\"a\":", t->trade_id);
        kv_sym(sb, ",\"s\":", t->symbol);
    } else {
        kv_sym(sb, ",\"s\":", t->symbol);
        kv_i64(sb, ",\"a\":", t->trade_id);
    }
    kv_dec(sb, ",\"p\":", t->price);
    kv_dec(sb, ",\"q\":", t->qty);
    kv_i64(sb, ",\"f\":", t->first_trade_id);
    kv_i64(sb, ",\"l\":", t->last_trade_id);
    kv_i64(sb, ",\"T\":", t->trade_ms);
    lx_mock_sb_str(sb, ",\"m\":");
    lx_mock_sb_bool(sb, t->buyer_is_maker);
    lx_mock_sb_str(sb, futures ? "}" : ",\"M\":true}");
}

void lx_mock_bn_render_depth_update(struct lx_mock_sb *sb,
                                    const struct lx_depth *d, bool futures)
{
    kv_i64(sb, "{\"e\":\"depthUpdate\",\"E\":", d->event_ms);
    if (futures) {
        kv_i64(sb, ",\"T\":", d->tx_ms);
    }
    kv_sym(sb, ",\"s\":", d->symbol);
    kv_i64(sb, ",\"U\":", d->first_id);
    kv_i64(sb, ",\"u\":", d->final_id);
    if (futures) {
        kv_i64(sb, ",\"pu\":", d->prev_final_id);
    }
    lx_mock_sb_str(sb, ",\"b\":");
    levels(sb, d->bids, d->nbids);
    lx_mock_sb_str(sb, ",\"a\":");
    levels(sb, d->asks, d->nasks);
    lx_mock_sb_add(sb, "}", 1);
}

void lx_mock_bn_render_depth_snapshot(struct lx_mock_sb *sb,
                                      const struct lx_depth *d, bool futures)
{
    kv_i64(sb, "{\"lastUpdateId\":", d->last_update_id);
    if (futures) {
        kv_i64(sb, ",\"E\":", d->event_ms);
        kv_i64(sb, ",\"T\":", d->tx_ms);
    }
    lx_mock_sb_str(sb, ",\"bids\":");
    levels(sb, d->bids, d->nbids);
    lx_mock_sb_str(sb, ",\"asks\":");
    levels(sb, d->asks, d->nasks);
    lx_mock_sb_add(sb, "}", 1);
}

void lx_mock_bn_render_book_ticker(struct lx_mock_sb *sb,
                                   const struct lx_book_ticker *b, bool futures)
{
    kv_i64(sb,
           futures ? "{\"e\":\"bookTicker\",\"u\":" : "{\"u\":", b->update_id);
    kv_sym(sb, ",\"s\":", b->symbol);
    kv_dec(sb, ",\"b\":", b->bid);
    kv_dec(sb, ",\"B\":", b->bid_qty);
    kv_dec(sb, ",\"a\":", b->ask);
    kv_dec(sb, ",\"A\":", b->ask_qty);
    if (futures) {
        kv_i64(sb, ",\"T\":", b->tx_ms);
        kv_i64(sb, ",\"E\":", b->event_ms);
    }
    lx_mock_sb_add(sb, "}", 1);
}

void lx_mock_bn_render_kline_ws(struct lx_mock_sb *sb, const struct lx_kline *k)
{
    kv_i64(sb, "{\"e\":\"kline\",\"E\":", k->event_ms);
    kv_sym(sb, ",\"s\":", k->symbol);
    kv_i64(sb, ",\"k\":{\"t\":", k->open_ms);
    kv_i64(sb, ",\"T\":", k->close_ms);
    kv_sym(sb, ",\"s\":", k->symbol);
    kv_sym(sb, ",\"i\":", k->interval);
    kv_i64(sb, ",\"f\":", k->first_trade_id);
    kv_i64(sb, ",\"L\":", k->last_trade_id);
    kv_dec(sb, ",\"o\":", k->open);
    kv_dec(sb, ",\"c\":", k->close);
    kv_dec(sb, ",\"h\":", k->high);
    kv_dec(sb, ",\"l\":", k->low);
    kv_dec(sb, ",\"v\":", k->volume);
    kv_i64(sb, ",\"n\":", k->trades);
    lx_mock_sb_str(sb, ",\"x\":");
    lx_mock_sb_bool(sb, k->closed);
    kv_dec(sb, ",\"q\":", k->quote_volume);
    kv_dec(sb, ",\"V\":", k->taker_buy_volume);
    kv_dec(sb, ",\"Q\":", k->taker_buy_quote_volume);
    lx_mock_sb_str(sb, ",\"B\":\"0\"}}");
}

void lx_mock_bn_render_kline_row(struct lx_mock_sb *sb,
                                 const struct lx_kline *k)
{
    kv_i64(sb, "[", k->open_ms);
    kv_dec(sb, ",", k->open);
    kv_dec(sb, ",", k->high);
    kv_dec(sb, ",", k->low);
    kv_dec(sb, ",", k->close);
    kv_dec(sb, ",", k->volume);
    kv_i64(sb, ",", k->close_ms);
    kv_dec(sb, ",", k->quote_volume);
    kv_i64(sb, ",", k->trades);
    kv_dec(sb, ",", k->taker_buy_volume);
    kv_dec(sb, ",", k->taker_buy_quote_volume);
    lx_mock_sb_str(sb, ",\"0\"]");
}
