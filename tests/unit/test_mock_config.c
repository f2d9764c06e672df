/*
 * test_mock_config.c - lotusx-mock's --config file: a full valid file
 * gives the expected symbols, generator, accounts and limits; every kind
 * of bad field is named in the error; the secret's text is wiped from the
 * input buffer and the kept tree and never appears in a message; the
 * "tls" object (defaults, paths, cert and key as a pair, field errors);
 * the "usdm" object (a full valid one, the defaults without it, every
 * kind of bad field named with its "usdm." path, secrets never echoed).
 */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/lx_internal.h"
#include "mock/server/config.h"
#include "lx_test.h"

#define SECRET "configUnitTestSecret77"

static const char good[] =
    "{\"seed\":9,\"listen\":\"::1\",\"port\":4567,\"market\":false,"
    "\"rate_limits\":{\"weight_per_min\":1200,\"orders_per_10s\":50},"
    "\"generator\":{\"period_ms\":250},"
    "\"symbols\":[{\"symbol\":\"ETHBTC\",\"base\":\"ETH\",\"quote\":\"BTC\","
    "\"tick_size\":\"0.00001\",\"lot_size\":\"0.0001\","
    "\"generator\":{\"start_mid\":\"0.05\",\"level_qty\":\"1\"}}],"
    "\"accounts\":[{\"api_key\":\"k1\",\"secret\":\"" SECRET "\","
    "\"maker_fee\":\"0\",\"balances\":{\"ETH\":\"3\",\"BTC\":\"0.5\"}}]}";

static int parse(struct lx_mock_config *c, const char *text, char *err,
                 size_t cap)
{
    char buf[2048];
    size_t n = strlen(text);

    assert_true(n < sizeof(buf));
    memcpy(buf, text, n);
    return lx_mock_config_parse(c, buf, n, err, cap);
}

static void test_good(void **state)
{
    struct lx_mock_config c;
    char err[256] = "", buf[sizeof(good)];
    char *tree;

    (void)state;
    memcpy(buf, good, sizeof(good));
    assert_int_equal(
        lx_mock_config_parse(&c, buf, sizeof(good) - 1, err, sizeof(err)),
        LX_OK);
    assert_null(strstr(buf, SECRET)); /* input wiped */
    assert_true(c.has_seed && c.seed == 9);
    assert_string_equal(c.listen, "::1");
    assert_int_equal(c.port, 4567);
    assert_true(c.has_market && c.market == 0);
    assert_int_equal(c.limits.weight_per_min, 1200);
    assert_int_equal(c.limits.orders_per_10s, 50);
    assert_int_equal(c.limits.orders_per_day, 200000); /* default kept */
    assert_int_equal(c.period_ms, 250);
    assert_int_equal(c.nsyms, 1);
    assert_string_equal(c.syms[0].symbol, "ETHBTC");
    assert_string_equal(c.syms[0].tick_size, "0.00001");
    assert_string_equal(c.syms[0].min_qty, "0");
    assert_true(c.has_gen[0]);
    assert_string_equal(c.gens[0].start_mid, "0.05");
    assert_int_equal(c.gens[0].levels, 10);
    assert_int_equal(c.naccts, 1);
    assert_string_equal(c.accts[0].cfg.api_key, "k1");
    assert_string_equal(c.accts[0].cfg.maker_fee, "0");
    assert_string_equal(c.accts[0].cfg.taker_fee, "0.001");
    assert_non_null(c.accts[0].cfg.secret);
    assert_string_equal(c.accts[0].bal[0], "ETH");
    assert_string_equal(c.accts[0].bal[3], "0.5");
    assert_null(c.accts[0].bal[4]);
    tree = cJSON_PrintUnformatted(c.root);
    assert_null(strstr(tree, SECRET)); /* wiped from the kept tree */
    cJSON_free(tree);
    lx_mock_config_free(&c);
}

static void test_errors(void **state)
{
    static const struct {
        const char *text, *want;
    } t[] = {
        {"[]", "the top level must be a JSON object"},
        {"{\"seed\":", "not valid JSON"},
        {"{\"seed\":-1}", "seed: want 0.."},
        {"{\"port\":70000}", "port: want 0..65535"},
        {"{\"market\":1}", "market: want true or false"},
        {"{\"prot\":1}", "prot: unknown field"},
        {"{\"ports\":{\"kraken\":1}}", "ports.kraken: unknown field"},
        {"{\"ports\":{\"binance\":-2}}", "ports.binance: want 0..65535"},
        {"{\"port\":1,\"ports\":{\"binance\":2}}", "ports: give"},
        {"{\"rate_limits\":{\"enabled\":\"no\"}}",
         "rate_limits.enabled: want true or false"},
        {"{\"generator\":{\"period_ms\":1}}", "generator.period_ms: want 10.."},
        {"{\"symbols\":{}}", "symbols: want an array"},
        {"{\"symbols\":[1]}", "symbols[0]: want an object"},
        {"{\"symbols\":[{\"base\":\"A\"}]}", "symbols[0].symbol: missing"},
        {"{\"symbols\":[{\"symbol\":\"AB\",\"base\":\"A\",\"quote\":\"B\","
         "\"tick_size\":\"-1\",\"lot_size\":\"1\"}]}",
         "symbols[0].tick_size: must not be negative"},
        {"{\"symbols\":[{\"symbol\":\"AB\",\"base\":\"A\",\"quote\":\"B\","
         "\"tick_size\":\"1\",\"lot_size\":\"1\",\"generator\":"
         "{\"start_mid\":\"1\",\"level_qty\":\"1\",\"levels\":0}}]}",
         "symbols[0].generator.levels: want 1..100"},
        {"{\"accounts\":[{\"api_key\":\"k\"}]}", "accounts[0].secret: missing"},
        {"{\"accounts\":[{\"api_key\":\"k\",\"secret\":\"" SECRET
         "\",\"taker_fee\":0.1}]}",
         "accounts[0].taker_fee: want a string"},
        {"{\"accounts\":[{\"api_key\":\"k\",\"secret\":[\"" SECRET "\"]}]}",
         "accounts[0].secret: want a non-empty string"},
        {"{\"tls\":true}", "tls: want an object"},
        {"{\"tls\":{\"enabled\":1}}", "tls.enabled: want true or false"},
        {"{\"tls\":{\"cert\":\"c.pem\"}}", "tls.key: missing"},
        {"{\"tls\":{\"key\":\"k.pem\"}}", "tls.cert: missing"},
        {"{\"tls\":{\"cert\":7,\"key\":\"k.pem\"}}",
         "tls.cert: want a non-empty file name"},
        {"{\"tls\":{\"ca_out\":\"\"}}",
         "tls.ca_out: want a non-empty file name"},
        {"{\"tls\":{\"crt\":\"c.pem\"}}", "tls.crt: unknown field"},
    };
    struct lx_mock_config c;
    char err[256];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        err[0] = '\0';
        assert_int_equal(parse(&c, t[i].text, err, sizeof(err)), LX_ERR_CONFIG);
        if (strstr(err, t[i].want) == NULL) {
            fail_msg("case %zu: got '%s', want '%s'", i, err, t[i].want);
        }
        assert_null(strstr(err, SECRET));
        assert_null(c.root); /* nothing left to free */
    }
}

static void test_ports(void **state)
{
    struct lx_mock_config c;
    char err[256];

    (void)state;
    assert_int_equal(
        parse(&c, "{\"ports\":{\"binance\":9443}}", err, sizeof(err)), LX_OK);
    assert_true(c.has_port);
    assert_int_equal(c.port, 9443);
    lx_mock_config_free(&c);
}

/*
 * "streams": the spot hub's pings, connection age and incoming message
 * limit; what is left out keeps Binance spot's values; bad values and
 * unknown keys are named.
 */
static void test_streams(void **state)
{
    struct lx_mock_config c;
    char err[256];

    (void)state;
    assert_int_equal(parse(&c, "{}", err, sizeof(err)), LX_OK);
    assert_false(c.has_streams);
    lx_mock_config_free(&c);
    assert_int_equal(parse(&c,
                           "{\"streams\":{\"ping_interval_s\":5,"
                           "\"max_age_s\":60}}",
                           err, sizeof(err)),
                     LX_OK);
    assert_true(c.has_streams);
    assert_int_equal(c.streams.ping_interval_ns, (int64_t)5000000000);
    assert_int_equal(c.streams.max_age_ns, (int64_t)60000000000);
    assert_int_equal(c.streams.max_msgs_per_sec,
                     lx_mock_bn_hub_spot.max_msgs_per_sec);
    assert_int_equal(c.streams.max_streams, lx_mock_bn_hub_spot.max_streams);
    lx_mock_config_free(&c);
    assert_int_equal(
        parse(&c, "{\"streams\":{\"max_age_s\":-1}}", err, sizeof(err)),
        LX_ERR_CONFIG);
    assert_non_null(strstr(err, "streams.max_age_s"));
    assert_int_equal(parse(&c, "{\"streams\":{\"pings\":1}}", err, sizeof(err)),
                     LX_ERR_CONFIG);
    assert_non_null(strstr(err, "streams.pings"));
    /* order_history: closed spot orders kept (default, a value, bounds) */
    assert_int_equal(parse(&c, "{}", err, sizeof(err)), LX_OK);
    assert_int_equal(c.order_history, LX_MOCK_BN_HISTORY);
    lx_mock_config_free(&c);
    assert_int_equal(parse(&c, "{\"order_history\":1000}", err, sizeof(err)),
                     LX_OK);
    assert_int_equal(c.order_history, 1000);
    lx_mock_config_free(&c);
    assert_int_equal(parse(&c, "{\"order_history\":99}", err, sizeof(err)),
                     LX_ERR_CONFIG);
    assert_non_null(strstr(err, "order_history"));
}

static void test_tls(void **state)
{
    struct lx_mock_config c;
    char err[256];

    (void)state;
    /* absent: nothing set */
    assert_int_equal(parse(&c, "{}", err, sizeof(err)), LX_OK);
    assert_false(c.has_tls);
    assert_false(c.tls);
    assert_null(c.tls_cert);
    lx_mock_config_free(&c);
    /* the object alone turns TLS on (self-signed) */
    assert_int_equal(parse(&c, "{\"tls\":{}}", err, sizeof(err)), LX_OK);
    assert_true(c.has_tls && c.tls);
    assert_null(c.tls_cert);
    assert_null(c.tls_key);
    assert_null(c.tls_ca_out);
    lx_mock_config_free(&c);
    assert_int_equal(parse(&c,
                           "{\"tls\":{\"enabled\":true,\"cert\":\"/a/c.pem\","
                           "\"key\":\"k.pem\",\"ca_out\":\"out.pem\"}}",
                           err, sizeof(err)),
                     LX_OK);
    assert_true(c.has_tls && c.tls);
    assert_string_equal(c.tls_cert, "/a/c.pem");
    assert_string_equal(c.tls_key, "k.pem");
    assert_string_equal(c.tls_ca_out, "out.pem");
    lx_mock_config_free(&c);
    /* off, the files kept for a later --tls */
    assert_int_equal(parse(&c,
                           "{\"tls\":{\"enabled\":false,\"cert\":\"c\","
                           "\"key\":\"k\"}}",
                           err, sizeof(err)),
                     LX_OK);
    assert_true(c.has_tls);
    assert_false(c.tls);
    assert_string_equal(c.tls_cert, "c");
    lx_mock_config_free(&c);
}

static const char good_usdm[] =
    "{\"usdm\":{\"port\":9444,\"market\":false,"
    "\"rate_limits\":{\"weight_per_min\":1200},"
    "\"generator\":{\"period_ms\":500},"
    "\"symbols\":[{\"symbol\":\"SOLUSDT\",\"base\":\"SOL\","
    "\"quote\":\"USDT\",\"tick_size\":\"0.01\",\"lot_size\":\"0.1\","
    "\"min_notional\":\"5\",\"funding_rate\":\"-0.0002\","
    "\"leverage\":10,\"generator\":{\"start_mid\":\"150.00\","
    "\"levels\":3,\"spacing_ticks\":2}},"
    "{\"symbol\":\"XRPUSDT\",\"base\":\"XRP\",\"quote\":\"USDT\","
    "\"tick_size\":\"0.0001\",\"lot_size\":\"1\"}],"
    "\"accounts\":[{\"api_key\":\"fk1\",\"secret\":\"" SECRET "\","
    "\"balances\":{\"USDT\":\"2500\"}}]}}";

static void test_usdm_good(void **state)
{
    struct lx_mock_config c;
    char err[256] = "", buf[sizeof(good_usdm)];
    const struct lx_mock_cfg_usdm *u = &c.usdm;
    char *tree;

    (void)state;
    memcpy(buf, good_usdm, sizeof(good_usdm));
    assert_int_equal(
        lx_mock_config_parse(&c, buf, sizeof(good_usdm) - 1, err, sizeof(err)),
        LX_OK);
    assert_null(strstr(buf, SECRET)); /* input wiped */
    assert_true(u->has && u->enabled);
    assert_true(u->has_port && u->port == 9444);
    assert_true(u->has_market && u->market == 0);
    assert_int_equal(u->limits.weight_per_min, 1200);
    assert_int_equal(u->limits.orders_per_10s, 300); /* USD-M default kept */
    assert_int_equal(u->period_ms, 500);
    assert_int_equal(u->nsyms, 2);
    assert_string_equal(u->syms[0].symbol, "SOLUSDT");
    assert_string_equal(u->syms[0].quote, "USDT");
    assert_string_equal(u->syms[0].min_notional, "5");
    assert_string_equal(u->syms[0].max_qty, "0");
    assert_string_equal(u->rates[0], "-0.0002");
    assert_int_equal(u->leverage[0], 10);
    assert_string_equal(u->gens[0].start_mid, "150.00");
    assert_string_equal(u->gens[0].level_qty, "0.5");
    assert_int_equal(u->gens[0].levels, 3);
    assert_int_equal(u->gens[0].spacing_ticks, 2);
    assert_int_equal(u->gens[0].walk_ticks, 20);
    assert_string_equal(u->rates[1], "0.0001"); /* defaults */
    assert_int_equal(u->leverage[1], 0);
    assert_null(u->gens[1].start_mid); /* no maker */
    assert_int_equal(u->naccts, 1);
    assert_string_equal(u->accts[0].cfg.api_key, "fk1");
    assert_string_equal(u->accts[0].cfg.maker_fee, "0.0002");
    assert_string_equal(u->accts[0].cfg.taker_fee, "0.0005");
    assert_non_null(u->accts[0].cfg.secret);
    assert_string_equal(u->accts[0].bal[0], "USDT");
    assert_string_equal(u->accts[0].bal[1], "2500");
    assert_int_equal(c.naccts, 0); /* spot accounts untouched */
    tree = cJSON_PrintUnformatted(c.root);
    assert_null(strstr(tree, SECRET)); /* wiped from the kept tree */
    cJSON_free(tree);
    lx_mock_config_free(&c);
}

/* No "usdm" object: today's venue (enabled, market, USD-M limits). */
static void test_usdm_defaults(void **state)
{
    struct lx_mock_config c;
    char err[256];

    (void)state;
    assert_int_equal(parse(&c, "{}", err, sizeof(err)), LX_OK);
    assert_false(c.usdm.has);
    assert_true(c.usdm.enabled && c.usdm.market);
    assert_false(c.usdm.has_port || c.usdm.has_market);
    assert_int_equal(c.usdm.limits.weight_per_min, 2400);
    assert_int_equal(c.usdm.limits.orders_per_10s, 300);
    assert_int_equal(c.usdm.period_ms, 1000);
    assert_int_equal(c.usdm.nsyms, 0);
    assert_int_equal(c.usdm.naccts, 0);
    lx_mock_config_free(&c);
    assert_int_equal(
        parse(&c, "{\"usdm\":{\"enabled\":false}}", err, sizeof(err)), LX_OK);
    assert_true(c.usdm.has);
    assert_false(c.usdm.enabled);
    lx_mock_config_free(&c);
}

static void test_usdm_errors(void **state)
{
    static const struct {
        const char *text, *want;
    } t[] = {
        {"{\"usdm\":[]}", "usdm: want an object"},
        {"{\"usdm\":{\"prot\":1}}", "usdm.prot: unknown field"},
        {"{\"usdm\":{\"enabled\":\"yes\"}}",
         "usdm.enabled: want true or false"},
        {"{\"usdm\":{\"port\":65536}}", "usdm.port: want 0..65535"},
        {"{\"usdm\":{\"market\":0}}", "usdm.market: want true or false"},
        {"{\"usdm\":{\"rate_limits\":{\"weight\":1}}}",
         "usdm.rate_limits.weight: unknown field"},
        {"{\"usdm\":{\"rate_limits\":{\"ban_seconds\":-1}}}",
         "usdm.rate_limits.ban_seconds: want 0..86400"},
        {"{\"usdm\":{\"generator\":{\"period_ms\":5}}}",
         "usdm.generator.period_ms: want 10..3600000"},
        {"{\"usdm\":{\"symbols\":{}}}", "usdm.symbols: want an array"},
        {"{\"usdm\":{\"symbols\":[1,2,3,4,5,6,7,8,9]}}",
         "usdm.symbols: more than 8 entries"},
        {"{\"usdm\":{\"symbols\":[\"BTCUSDT\"]}}",
         "usdm.symbols[0]: want an object"},
        {"{\"usdm\":{\"symbols\":[{\"base\":\"A\"}]}}",
         "usdm.symbols[0].symbol: missing"},
        {"{\"usdm\":{\"symbols\":[{\"symbol\":\"AB\",\"base\":\"A\","
         "\"quote\":\"USDT\",\"tick_size\":\"abc\",\"lot_size\":\"1\"}]}}",
         "usdm.symbols[0].tick_size: not a decimal"},
        {"{\"usdm\":{\"symbols\":[{\"symbol\":\"AB\",\"base\":\"A\","
         "\"quote\":\"USDT\",\"tick_size\":\"0.1\",\"lot_size\":\"-1\"}]}}",
         "usdm.symbols[0].lot_size: must not be negative"},
        {"{\"usdm\":{\"symbols\":[{\"symbol\":\"AB\",\"base\":\"A\","
         "\"quote\":\"USDT\",\"tick_size\":\"0.1\",\"lot_size\":\"1\","
         "\"min_notional\":5}]}}",
         "usdm.symbols[0].min_notional: want a string"},
        {"{\"usdm\":{\"symbols\":[{\"symbol\":\"AB\",\"base\":\"A\","
         "\"quote\":\"USDT\",\"tick_size\":\"0.1\",\"lot_size\":\"1\","
         "\"mmr\":\"0.004\"}]}}",
         "usdm.symbols[0].mmr: unknown field"},
        {"{\"usdm\":{\"symbols\":[{\"symbol\":\"AB\",\"base\":\"A\","
         "\"quote\":\"USDT\",\"tick_size\":\"0.1\",\"lot_size\":\"1\","
         "\"funding_rate\":\"0.000000001\"}]}}",
         "usdm.symbols[0].funding_rate: not a decimal string such as"},
        {"{\"usdm\":{\"symbols\":[{\"symbol\":\"AB\",\"base\":\"A\","
         "\"quote\":\"USDT\",\"tick_size\":\"0.1\",\"lot_size\":\"1\","
         "\"funding_rate\":\"0.5\"}]}}",
         "usdm.symbols[0].funding_rate: want -0.03..0.03"},
        {"{\"usdm\":{\"symbols\":[{\"symbol\":\"AB\",\"base\":\"A\","
         "\"quote\":\"USDT\",\"tick_size\":\"0.1\",\"lot_size\":\"1\","
         "\"leverage\":126}]}}",
         "usdm.symbols[0].leverage: want 1..125"},
        {"{\"usdm\":{\"symbols\":[{\"symbol\":\"AB\",\"base\":\"A\","
         "\"quote\":\"USDT\",\"tick_size\":\"0.1\",\"lot_size\":\"1\"},"
         "{\"symbol\":\"CD\",\"base\":\"C\",\"quote\":\"USDC\","
         "\"tick_size\":\"0.1\",\"lot_size\":\"1\"}]}}",
         "usdm.symbols[1].quote: must be the margin asset of usdm.symbols[0]"},
        {"{\"usdm\":{\"symbols\":[{\"symbol\":\"AB\",\"base\":\"A\","
         "\"quote\":\"USDT\",\"tick_size\":\"0.1\",\"lot_size\":\"1\","
         "\"generator\":{\"levels\":3}}]}}",
         "usdm.symbols[0].generator.start_mid: missing"},
        {"{\"usdm\":{\"symbols\":[{\"symbol\":\"AB\",\"base\":\"A\","
         "\"quote\":\"USDT\",\"tick_size\":\"0.1\",\"lot_size\":\"1\","
         "\"generator\":{\"start_mid\":\"10\",\"spacing_ticks\":0}}]}}",
         "usdm.symbols[0].generator.spacing_ticks: want 1..1000000"},
        {"{\"usdm\":{\"symbols\":[{\"symbol\":\"AB\",\"base\":\"A\","
         "\"quote\":\"USDT\",\"tick_size\":\"0.1\",\"lot_size\":\"1\","
         "\"generator\":{\"start_mid\":\"10\",\"spread\":1}}]}}",
         "usdm.symbols[0].generator.spread: unknown field"},
        {"{\"usdm\":{\"accounts\":{}}}", "usdm.accounts: want an array"},
        {"{\"usdm\":{\"accounts\":[7]}}", "usdm.accounts[0]: want an object"},
        {"{\"usdm\":{\"accounts\":[{\"api_key\":\"k\"}]}}",
         "usdm.accounts[0].secret: missing"},
        {"{\"usdm\":{\"accounts\":[{\"api_key\":\"k\",\"secret\":\"" SECRET
         "\",\"maker_fee\":\"x\"}]}}",
         "usdm.accounts[0].maker_fee: not a decimal"},
        {"{\"usdm\":{\"accounts\":[{\"api_key\":\"k\",\"secret\":\"" SECRET
         "\",\"balances\":{\"USDT\":\"" SECRET "\"}}]}}",
         "usdm.accounts[0].balances: want"},
        {"{\"usdm\":{\"accounts\":[{\"api_key\":\"k\",\"secret\":\"a\"},"
         "{\"api_key\":\"\",\"secret\":\"" SECRET "\"}]}}",
         "usdm.accounts[1].api_key: want 1..100 characters"},
    };
    struct lx_mock_config c;
    char err[256];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        err[0] = '\0';
        assert_int_equal(parse(&c, t[i].text, err, sizeof(err)), LX_ERR_CONFIG);
        if (strstr(err, t[i].want) == NULL) {
            fail_msg("case %zu: got '%s', want '%s'", i, err, t[i].want);
        }
        assert_null(strstr(err, SECRET));
        assert_null(c.root); /* nothing left to free */
    }
}

/* RFC 8032 test 1's key pair, as openssl writes the PEMs. */
#define ED_PUB                                                                 \
    "-----BEGIN PUBLIC KEY-----\\n"                                            \
    "MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\\n"          \
    "-----END PUBLIC KEY-----\\n"
#define ED_PRIV_B64                                                            \
    "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g"
#define ED_PRIV                                                                \
    "-----BEGIN PRIVATE KEY-----\\n" ED_PRIV_B64                               \
    "\\n-----END PRIVATE KEY-----\\n"
/* Another key type: an X25519 public key (RFC 7748 section 6.1, Alice). */
#define X25519_PUB                                                             \
    "-----BEGIN PUBLIC KEY-----\\n"                                            \
    "MCowBQYDK2VuAyEAhSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=\\n"          \
    "-----END PUBLIC KEY-----\\n"

static void test_ed25519_accounts(void **state)
{
    static const struct {
        const char *text, *want;
    } t[] = {
        {"{\"accounts\":[{\"api_key\":\"k\",\"ed25519_public_key\":7}]}",
         "accounts[0].ed25519_public_key: want the PEM of an Ed25519 public "
         "key"},
        {"{\"accounts\":[{\"api_key\":\"k\",\"ed25519_public_key\":\"\"}]}",
         "accounts[0].ed25519_public_key: want the PEM"},
        {"{\"accounts\":[{\"api_key\":\"k\",\"ed25519_public_key\":\"-----"
         "BEGIN PUBLIC KEY-----\\nnot base64\\n-----END PUBLIC "
         "KEY-----\\n\"}]}",
         "accounts[0].ed25519_public_key: want the PEM"},
        {"{\"accounts\":[{\"api_key\":\"k\",\"ed25519_public_key\":\"" ED_PRIV
         "\"}]}",
         "accounts[0].ed25519_public_key: want the PEM"},
        {"{\"accounts\":[{\"api_key\":\"k\",\"ed25519_public_key\":"
         "\"" X25519_PUB "\"}]}",
         "accounts[0].ed25519_public_key: want the PEM"},
        {"{\"accounts\":[{\"api_key\":\"k\",\"secret\":\"" SECRET
         "\",\"ed25519_public_key\":\"" ED_PUB "\"}]}",
         "accounts[0].secret: give either secret or ed25519_public_key, not "
         "both"},
        {"{\"accounts\":[{\"api_key\":\"k\"}]}",
         "accounts[0].secret: missing (or give ed25519_public_key)"},
        {"{\"usdm\":{\"accounts\":[{\"api_key\":\"k\",\"ed25519_public_key\":"
         "\"x\"}]}}",
         "usdm.accounts[0].ed25519_public_key: want the PEM"},
    };
    struct lx_mock_config c;
    char err[256], buf[2048];
    size_t i, n;

    (void)state;
    /* A good one beside an HMAC account, on spot and on USD-M. */
    assert_int_equal(
        parse(&c,
              "{\"accounts\":[{\"api_key\":\"h\",\"secret\":\"" SECRET "\"},"
              "{\"api_key\":\"e\",\"ed25519_public_key\":\"" ED_PUB "\"}],"
              "\"usdm\":{\"accounts\":[{\"api_key\":\"u\","
              "\"ed25519_public_key\":\"" ED_PUB "\"}]}}",
              err, sizeof(err)),
        LX_OK);
    assert_int_equal(c.naccts, 2);
    assert_non_null(c.accts[0].cfg.secret);
    assert_null(c.accts[0].cfg.ed25519);
    assert_null(c.accts[1].cfg.secret);
    assert_non_null(c.accts[1].cfg.ed25519);
    assert_ptr_equal(c.accts[1].cfg.ed25519, c.accts[1].ed25519);
    assert_int_equal(c.usdm.naccts, 1);
    assert_non_null(c.usdm.accts[0].cfg.ed25519);
    lx_mock_config_free(&c);
    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        err[0] = '\0';
        n = strlen(t[i].text);
        assert_true(n < sizeof(buf));
        memcpy(buf, t[i].text, n);
        assert_int_equal(lx_mock_config_parse(&c, buf, n, err, sizeof(err)),
                         LX_ERR_CONFIG);
        if (strstr(err, t[i].want) == NULL) {
            fail_msg("case %zu: got '%s', want '%s'", i, err, t[i].want);
        }
        assert_null(strstr(err, SECRET));
        assert_null(strstr(err, ED_PRIV_B64));
        assert_null(strstr(buf, ED_PRIV_B64)); /* input wiped */
        assert_null(c.root);
    }
}

static void test_unreadable(void **state)
{
    struct lx_mock_config c;
    char err[256];

    (void)state;
    assert_int_equal(
        lx_mock_config_load(&c, "/nonexistent/lotusx.json", err, sizeof(err)),
        LX_ERR_IO);
    assert_non_null(strstr(err, "cannot open"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_ports),
        cmocka_unit_test(test_tls),
        cmocka_unit_test(test_streams),
        cmocka_unit_test(test_unreadable),
        cmocka_unit_test(test_usdm_good),
        cmocka_unit_test(test_usdm_defaults),
        cmocka_unit_test(test_usdm_errors),
        cmocka_unit_test(test_ed25519_accounts),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
