/*
 * streams.h - the Binance mock's WebSocket market-stream hub: the stream
 * URLs (/ws, /ws/<stream>[/<stream>...], /ws/<n> as CCXT opens them,
 * /stream?streams=a/b combined), live SUBSCRIBE / UNSUBSCRIBE /
 * LIST_SUBSCRIPTIONS / SET_PROPERTY / GET_PROPERTY with the venue's answers
 * and error messages, fan-out of published payloads (wrapped as
 * {"stream":..,"data":..} on combined connections), server pings, the
 * connection lifetime limit and the incoming-message rate limit.
 *
 * What goes on a stream (trades, depth diffs, ...) is the caller's: it
 * renders the payload once and publishes it by stream name.
 */
#ifndef LOTUSX_MOCK_BINANCE_STREAMS_H
#define LOTUSX_MOCK_BINANCE_STREAMS_H

#include <stddef.h>
#include <stdint.h>

struct lx_net;
struct lx_clock;
struct lx_http_req;
struct lx_mock_bn_hub;

struct lx_mock_bn_hub_opts {
    int64_t ping_interval_ns; /* server pings; spot: 20 s; 0 = none */
    int64_t max_age_ns;       /* connection lifetime; spot: 24 h; 0 = none */
    int max_streams;          /* per connection; spot: 1024 */
    int max_msgs_per_sec;     /* incoming control messages; spot: 5 */
    /*
     * One-way delay of every frame the hub sends, in order per connection
     * (a backtest's feed latency); 0 = none.
     */
    int64_t latency_ns;
};

/* Binance spot's limits. */
extern const struct lx_mock_bn_hub_opts lx_mock_bn_hub_spot;

/*
 * Accepts or refuses a stream name ("btcusdt@trade"); NULL accepts all
 * names that look like streams (lower-case, with '@').
 */
typedef int (*lx_mock_bn_stream_ok_fn)(const char *stream, void *ud);

/* net and clock are borrowed; the clock times pings, age and rate limit. */
int lx_mock_bn_hub_new(struct lx_mock_bn_hub **out, struct lx_net *net,
                       struct lx_clock *clock,
                       const struct lx_mock_bn_hub_opts *opts);
/* Drops every connection and frees the hub; NULL is allowed. */
void lx_mock_bn_hub_free(struct lx_mock_bn_hub *hub);

void lx_mock_bn_hub_set_validator(struct lx_mock_bn_hub *hub,
                                  lx_mock_bn_stream_ok_fn fn, void *ud);

/*
 * Resolves a listen key (the <key> of /ws/<key>) to the internal stream
 * name its user-data events are published on, or NULL when it is not one.
 */
typedef const char *(*lx_mock_bn_user_fn)(const char *listen_key, void *ud);
void lx_mock_bn_hub_set_user(struct lx_mock_bn_hub *hub, lx_mock_bn_user_fn fn,
                             void *ud);

/*
 * The WebSocket API (/ws-api/v3): each text message of such a connection
 * goes to fn, which answers with lx_mock_bn_hub_reply and may attach the
 * connection to a user-data stream: its events then arrive wrapped as
 * {"subscriptionId":N,"event":{...}}.
 */
struct lx_mock_bn_conn;
typedef void (*lx_mock_bn_api_fn)(struct lx_mock_bn_conn *conn,
                                  const char *text, size_t len, void *ud);
void lx_mock_bn_hub_set_api(struct lx_mock_bn_hub *hub, lx_mock_bn_api_fn fn,
                            void *ud);
void lx_mock_bn_hub_reply(struct lx_mock_bn_conn *conn, const char *json,
                          size_t len);
int lx_mock_bn_hub_attach(struct lx_mock_bn_conn *conn, const char *stream,
                          int64_t *sub_id);

/*
 * The door's upgrade function (lx_mock_door_set_upgrade(door,
 * lx_mock_bn_hub_upgrade, hub)): accepts stream URLs, 404 otherwise.
 */
void lx_mock_bn_hub_upgrade(struct lx_http_req *req, void *hub);

/*
 * Sends json[0..len) to every connection subscribed to stream. Returns the
 * number of connections it was queued on (0 when nobody listens), or
 * LX_ERR_NOMEM.
 */
int lx_mock_bn_hub_publish(struct lx_mock_bn_hub *hub, const char *stream,
                           const char *json, size_t len);

/*
 * Applies the door's WebSocket fault rules (fault.h) to this hub's
 * connections (faults borrowed; NULL = none).
 */
struct lx_mock_faults;
void lx_mock_bn_hub_set_faults(struct lx_mock_bn_hub *hub,
                               struct lx_mock_faults *faults);

/*
 * Ends a user-data stream on its listen-key connections (not WebSocket API
 * ones): sends json (the listenKeyExpired event) to each connection
 * subscribed to stream, then unsubscribes it. Returns how many.
 */
int lx_mock_bn_hub_expire(struct lx_mock_bn_hub *hub, const char *stream,
                          const char *json, size_t len);

/* Open connections. */
size_t lx_mock_bn_hub_clients(const struct lx_mock_bn_hub *hub);

/* Subscribers of one stream. */
size_t lx_mock_bn_hub_subscribers(const struct lx_mock_bn_hub *hub,
                                  const char *stream);

#endif
