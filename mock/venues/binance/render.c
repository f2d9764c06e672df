/*
 * render.c - Binance payloads from the unified types (see render.h). The
 * field orders are the venue's, as recorded in ../shared/samples; the
 * unit test renders every recorded message again and compares bytes.
 */
#include "mock/venues/binance/render.h"

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
    lx_mock_sb_kv_i64(sb, "{\"e\":\"trade\",\"E\":", t->event_ms);
    if (futures) {
        lx_mock_sb_kv_i64(sb, ",\"T\":", t->trade_ms);
        lx_mock_sb_kv_str(sb, ",\"s\":", t->symbol);
        lx_mock_sb_kv_i64(sb, ",\"t\":", t->trade_id);
        lx_mock_sb_kv_dec(sb, ",\"p\":", t->price);
        lx_mock_sb_kv_dec(sb, ",\"q\":", t->qty);
        lx_mock_sb_str(sb, ",\"X\":\"MARKET\",\"m\":");
        lx_mock_sb_bool(sb, t->buyer_is_maker);
        lx_mock_sb_add(sb, "}", 1);
        return;
    }
    lx_mock_sb_kv_str(sb, ",\"s\":", t->symbol);
    lx_mock_sb_kv_i64(sb, ",\"t\":", t->trade_id);
    lx_mock_sb_kv_dec(sb, ",\"p\":", t->price);
    lx_mock_sb_kv_dec(sb, ",\"q\":", t->qty);
    lx_mock_sb_kv_i64(sb, ",\"T\":", t->trade_ms);
    lx_mock_sb_str(sb, ",\"m\":");
    lx_mock_sb_bool(sb, t->buyer_is_maker);
    lx_mock_sb_str(sb, ",\"M\":true}");
}

void lx_mock_bn_render_agg_trade(struct lx_mock_sb *sb,
                                 const struct lx_trade *t, bool futures)
{
    lx_mock_sb_kv_i64(sb, "{\"e\":\"aggTrade\",\"E\":", t->event_ms);
    if (futures) {
        lx_mock_sb_kv_i64(sb, ",\"a\":", t->trade_id);
        lx_mock_sb_kv_str(sb, ",\"s\":", t->symbol);
    } else {
        lx_mock_sb_kv_str(sb, ",\"s\":", t->symbol);
        lx_mock_sb_kv_i64(sb, ",\"a\":", t->trade_id);
    }
    lx_mock_sb_kv_dec(sb, ",\"p\":", t->price);
    lx_mock_sb_kv_dec(sb, ",\"q\":", t->qty);
    lx_mock_sb_kv_i64(sb, ",\"f\":", t->first_trade_id);
    lx_mock_sb_kv_i64(sb, ",\"l\":", t->last_trade_id);
    lx_mock_sb_kv_i64(sb, ",\"T\":", t->trade_ms);
    lx_mock_sb_str(sb, ",\"m\":");
    lx_mock_sb_bool(sb, t->buyer_is_maker);
    lx_mock_sb_str(sb, futures ? "}" : ",\"M\":true}");
}

void lx_mock_bn_render_depth_update(struct lx_mock_sb *sb,
                                    const struct lx_depth *d, bool futures)
{
    lx_mock_sb_kv_i64(sb, "{\"e\":\"depthUpdate\",\"E\":", d->event_ms);
    if (futures) {
        lx_mock_sb_kv_i64(sb, ",\"T\":", d->tx_ms);
    }
    lx_mock_sb_kv_str(sb, ",\"s\":", d->symbol);
    lx_mock_sb_kv_i64(sb, ",\"U\":", d->first_id);
    lx_mock_sb_kv_i64(sb, ",\"u\":", d->final_id);
    if (futures) {
        lx_mock_sb_kv_i64(sb, ",\"pu\":", d->prev_final_id);
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
    lx_mock_sb_kv_i64(sb, "{\"lastUpdateId\":", d->last_update_id);
    if (futures) {
        lx_mock_sb_kv_i64(sb, ",\"E\":", d->event_ms);
        lx_mock_sb_kv_i64(sb, ",\"T\":", d->tx_ms);
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
    lx_mock_sb_kv_i64(
        sb, futures ? "{\"e\":\"bookTicker\",\"u\":" : "{\"u\":", b->update_id);
    lx_mock_sb_kv_str(sb, ",\"s\":", b->symbol);
    lx_mock_sb_kv_dec(sb, ",\"b\":", b->bid);
    lx_mock_sb_kv_dec(sb, ",\"B\":", b->bid_qty);
    lx_mock_sb_kv_dec(sb, ",\"a\":", b->ask);
    lx_mock_sb_kv_dec(sb, ",\"A\":", b->ask_qty);
    if (futures) {
        lx_mock_sb_kv_i64(sb, ",\"T\":", b->tx_ms);
        lx_mock_sb_kv_i64(sb, ",\"E\":", b->event_ms);
    }
    lx_mock_sb_add(sb, "}", 1);
}

void lx_mock_bn_render_kline_ws(struct lx_mock_sb *sb, const struct lx_kline *k)
{
    lx_mock_sb_kv_i64(sb, "{\"e\":\"kline\",\"E\":", k->event_ms);
    lx_mock_sb_kv_str(sb, ",\"s\":", k->symbol);
    lx_mock_sb_kv_i64(sb, ",\"k\":{\"t\":", k->open_ms);
    lx_mock_sb_kv_i64(sb, ",\"T\":", k->close_ms);
    lx_mock_sb_kv_str(sb, ",\"s\":", k->symbol);
    lx_mock_sb_kv_str(sb, ",\"i\":", k->interval);
    lx_mock_sb_kv_i64(sb, ",\"f\":", k->first_trade_id);
    lx_mock_sb_kv_i64(sb, ",\"L\":", k->last_trade_id);
    lx_mock_sb_kv_dec(sb, ",\"o\":", k->open);
    lx_mock_sb_kv_dec(sb, ",\"c\":", k->close);
    lx_mock_sb_kv_dec(sb, ",\"h\":", k->high);
    lx_mock_sb_kv_dec(sb, ",\"l\":", k->low);
    lx_mock_sb_kv_dec(sb, ",\"v\":", k->volume);
    lx_mock_sb_kv_i64(sb, ",\"n\":", k->trades);
    lx_mock_sb_str(sb, ",\"x\":");
    lx_mock_sb_bool(sb, k->closed);
    lx_mock_sb_kv_dec(sb, ",\"q\":", k->quote_volume);
    lx_mock_sb_kv_dec(sb, ",\"V\":", k->taker_buy_volume);
    lx_mock_sb_kv_dec(sb, ",\"Q\":", k->taker_buy_quote_volume);
    lx_mock_sb_str(sb, ",\"B\":\"0\"}}");
}

void lx_mock_bn_render_kline_row(struct lx_mock_sb *sb,
                                 const struct lx_kline *k)
{
    lx_mock_sb_kv_i64(sb, "[", k->open_ms);
    lx_mock_sb_kv_dec(sb, ",", k->open);
    lx_mock_sb_kv_dec(sb, ",", k->high);
    lx_mock_sb_kv_dec(sb, ",", k->low);
    lx_mock_sb_kv_dec(sb, ",", k->close);
    lx_mock_sb_kv_dec(sb, ",", k->volume);
    lx_mock_sb_kv_i64(sb, ",", k->close_ms);
    lx_mock_sb_kv_dec(sb, ",", k->quote_volume);
    lx_mock_sb_kv_i64(sb, ",", k->trades);
    lx_mock_sb_kv_dec(sb, ",", k->taker_buy_volume);
    lx_mock_sb_kv_dec(sb, ",", k->taker_buy_quote_volume);
    lx_mock_sb_str(sb, ",\"0\"]");
}
