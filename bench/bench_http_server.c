/*
 * bench_http_server.c - requests/s of lx_http_server against nginx, both
 * serving the same ~1 KB JSON body (a Binance depth snapshot) with
 * keep-alive on 127.0.0.1, both driven by the same wrk command in the same
 * run.
 *
 * Our server runs in a forked child: one process, one thread, one
 * event_base, answering every GET with the body from memory. nginx runs
 * from a private prefix in a temporary directory (daemon off, access log
 * off, error log in the directory, keep-alive without a request cap, open
 * file cache; sendfile off, nginx's default, which was the faster setting
 * for a 1 KB file here) serving the same bytes as a static file, once with 1
 * worker (the like-for-like figure) and once with 2. Before wrk starts, one
 * plain GET checks that each server answers 200 with exactly the body.
 *
 * wrk and nginx share the machine's cores with the server under test, so
 * the absolute figures depend on the host; the ratio is the figure to
 * watch (goal: at least 0.8 of nginx with 1 worker). When wrk is not
 * installed the bench prints "skipped" and exits 0; without nginx it
 * measures our server alone.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <event2/event.h>

#include "core/lx_internal.h"
#include "lotusx/lx_clock.h"
#include "lotusx/lx_err.h"
#include "lotusx/lx_net.h"
#include "bench_util.h"

#define WRK_THREADS     "1"
#define WRK_CONNECTIONS "50"
#define WRK_DURATION    "2s"
/* Each server gets ROUNDS wrk runs, interleaved, and reports the median. */
#define ROUNDS    3
#define PATH_JSON "/depth.json"

static char body[2048];
static size_t body_len;

struct wrk_result {
    double rps;
    double mbps;
    long long requests;
    long long non2xx;
    long long errors;
    int ok;
};

/* A depth snapshot with 15 levels a side (8-decimal strings), ~1 KB. */
static size_t make_body(char *buf, size_t cap)
{
    size_t n = 0;
    int i, side;

    n += (size_t)lx__snprintf(buf + n, cap - n, "{\"lastUpdateId\":%lld",
                              1027024LL * 10007);
    for (side = 0; side < 2; side++) {
        n += (size_t)lx__snprintf(buf + n, cap - n, ",\"%s\":[",
                                  side == 0 ? "bids" : "asks");
        for (i = 0; i < 15; i++) {
            long cents = side == 0 ? 6183763 - i : 6183764 + i;
            n += (size_t)lx__snprintf(buf + n, cap - n,
                                      "%s[\"%ld.%02ld000000\",\"%d.%08d\"]",
                                      i > 0 ? "," : "", cents / 100,
                                      cents % 100, i % 3, 54698000 - i * 1237);
        }
        n += (size_t)lx__snprintf(buf + n, cap - n, "]");
    }
    n += (size_t)lx__snprintf(buf + n, cap - n, "}");
    return n;
}

/* ---- our server, in a child process ----------------------------------- */

struct srv_child {
    struct lx_clock *clock;
};

static void handler(struct lx_http_req *req, void *ud)
{
    LX_UNUSED(ud);
    lx_http_req_respond_body(req, 200, NULL, "application/json", body,
                             body_len);
}

/* The parent closed its end of the control pipe: time to stop. */
static void stop_cb(evutil_socket_t fd, short what, void *arg)
{
    struct srv_child *c = arg;

    LX_UNUSED(fd);
    LX_UNUSED(what);
    lx_clock_stop_run(c->clock);
}

/* Runs the server until ctl_fd reports EOF; writes the port to port_fd. */
static int server_main(int port_fd, int ctl_fd)
{
    struct srv_child c = {NULL};
    struct event_base *base = event_base_new();
    struct lx_net *net = NULL;
    struct lx_http_server *srv = NULL;
    struct event *stop = NULL;
    uint16_t port = 0;
    int rc = LX_ERR_NOMEM;

    if (base != NULL &&
        (rc = lx_clock_new_real(&c.clock, NULL, base)) == LX_OK &&
        (rc = lx_net_new(&net, NULL, base, c.clock)) == LX_OK &&
        (rc = lx_http_server_new(&srv, net, handler, NULL)) == LX_OK &&
        (rc = lx_http_server_listen(srv, "127.0.0.1", 0, NULL)) == LX_OK) {
        port = lx_http_server_port(srv);
        stop = event_new(base, ctl_fd, EV_READ, stop_cb, &c);
        if (stop == NULL || event_add(stop, NULL) != 0) {
            rc = LX_ERR_NOMEM;
            port = 0;
        }
    }
    if (write(port_fd, &port, sizeof(port)) != (ssize_t)sizeof(port)) {
        rc = LX_ERR_IO;
    }
    close(port_fd);
    if (port != 0) {
        lx_clock_run(c.clock, INT64_MAX);
    }
    if (stop != NULL) {
        event_free(stop);
    }
    lx_http_server_free(srv);
    lx_net_free(net);
    lx_clock_free(c.clock);
    if (base != NULL) {
        event_base_loop(base, EVLOOP_NONBLOCK);
        event_base_free(base);
    }
    return rc == LX_OK ? 0 : 1;
}

/* Forks the server; *ctl is the pipe end whose closing stops it. */
static pid_t start_ours(uint16_t *port, int *ctl)
{
    int pp[2], cp[2];
    pid_t pid;

    if (pipe(pp) != 0 || pipe(cp) != 0) {
        return -1;
    }
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        close(pp[0]);
        close(cp[1]);
        _exit(server_main(pp[1], cp[0]));
    }
    close(pp[1]);
    close(cp[0]);
    /* wrk and nginx must not inherit the write end, or the child would
     * never see it close. */
    fcntl(cp[1], F_SETFD, FD_CLOEXEC);
    *ctl = cp[1];
    if (pid < 0 || read(pp[0], port, sizeof(*port)) != (ssize_t)sizeof(*port) ||
        *port == 0) {
        close(pp[0]);
        close(cp[1]);
        if (pid > 0) {
            waitpid(pid, NULL, 0);
        }
        return -1;
    }
    close(pp[0]);
    return pid;
}

/* ---- processes and sockets -------------------------------------------- */

/* The full path of an executable found in PATH or an sbin directory. */
static int find_exe(const char *name, char *out, size_t cap)
{
    static const char extra[] = ":/usr/sbin:/usr/local/sbin:/sbin";
    char path[4096];
    const char *env = getenv("PATH"), *p, *end;

    lx__snprintf(path, sizeof(path), "%s%s", env != NULL ? env : "/usr/bin",
                 extra);
    for (p = path; *p != '\0'; p = *end != '\0' ? end + 1 : end) {
        end = strchr(p, ':');
        if (end == NULL) {
            end = p + strlen(p);
        }
        if (end > p) {
            lx__snprintf(out, cap, "%.*s/%s", (int)(end - p), p, name);
            if (access(out, X_OK) == 0) {
                return 1;
            }
        }
    }
    return 0;
}

/* A loopback port nobody listens on right now. */
static uint16_t free_port(void)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    uint16_t port = 0;

    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
        getsockname(fd, (struct sockaddr *)&sa, &len) == 0) {
        port = ntohs(sa.sin_port);
    }
    if (fd >= 0) {
        close(fd);
    }
    return port;
}

static int connect_loopback(uint16_t port)
{
    struct sockaddr_in sa;
    struct timeval tv = {2, 0};
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    if (fd < 0) {
        return -1;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/*
 * One GET: returns the size of the response head when the answer is 200
 * with exactly our body, else 0.
 */
static size_t check_server(uint16_t port)
{
    static const char req[] = "GET " PATH_JSON " HTTP/1.1\r\n"
                              "Host: 127.0.0.1\r\n\r\n";
    char buf[8192];
    size_t n = 0, head = 0;
    const char *eoh;
    ssize_t r;
    int fd = connect_loopback(port);

    if (fd < 0) {
        return 0;
    }
    if (write(fd, req, sizeof(req) - 1) == (ssize_t)(sizeof(req) - 1)) {
        while (n < sizeof(buf) - 1 &&
               (r = read(fd, buf + n, sizeof(buf) - 1 - n)) > 0) {
            n += (size_t)r;
            buf[n] = '\0';
            eoh = strstr(buf, "\r\n\r\n");
            if (eoh != NULL && n >= (size_t)(eoh + 4 - buf) + body_len) {
                head = (size_t)(eoh + 4 - buf);
                break;
            }
        }
    }
    close(fd);
    if (head == 0 || n != head + body_len || strncmp(buf, "HTTP/1.1 200", 12) ||
        memcmp(buf + head, body, body_len) != 0) {
        return 0;
    }
    return head;
}

/* Waits up to 3 s for something to accept connections on port. */
static int wait_listening(uint16_t port)
{
    int i, fd;

    for (i = 0; i < 300; i++) {
        fd = connect_loopback(port);
        if (fd >= 0) {
            close(fd);
            return 1;
        }
        usleep(10000);
    }
    return 0;
}

static void parse_wrk(const char *out, struct wrk_result *w)
{
    const char *p;
    long long a, b, c, d;

    memset(w, 0, sizeof(*w));
    if ((p = strstr(out, " requests in ")) != NULL) {
        while (p > out && p[-1] >= '0' && p[-1] <= '9') {
            p--;
        }
        w->requests = strtoll(p, NULL, 10);
    }
    if ((p = strstr(out, "Requests/sec:")) != NULL) {
        w->rps = strtod(p + 13, NULL);
        w->ok = w->rps > 0;
    }
    if ((p = strstr(out, "Transfer/sec:")) != NULL) {
        char *unit;

        w->mbps = strtod(p + 13, &unit);
        w->mbps *= unit[0] == 'G' ? 1024 : unit[0] == 'K' ? 1.0 / 1024 : 1;
    }
    if ((p = strstr(out, "Non-2xx or 3xx responses:")) != NULL) {
        w->non2xx = strtoll(p + 25, NULL, 10);
    }
    if ((p = strstr(out, "Socket errors:")) != NULL &&
        sscanf(p,
               "Socket errors: connect %lld, read %lld, write %lld, "
               "timeout %lld",
               &a, &b, &c, &d) == 4) {
        w->errors = a + b + c + d;
    }
}

/* Runs wrk against port and reads its summary. */
static void run_wrk(const char *wrk, uint16_t port, struct wrk_result *w)
{
    char url[64], out[8192];
    size_t n = 0;
    ssize_t r;
    int fds[2], status;
    pid_t pid;

    memset(w, 0, sizeof(*w));
    lx__snprintf(url, sizeof(url), "http://127.0.0.1:%u" PATH_JSON,
                 (unsigned)port);
    if (pipe(fds) != 0) {
        return;
    }
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        dup2(fds[1], 1);
        dup2(fds[1], 2);
        close(fds[0]);
        close(fds[1]);
        execl(wrk, "wrk", "-t" WRK_THREADS, "-c" WRK_CONNECTIONS,
              "-d" WRK_DURATION, url, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    while (pid > 0 && n < sizeof(out) - 1 &&
           (r = read(fds[0], out + n, sizeof(out) - 1 - n)) != 0) {
        if (r < 0 && errno != EINTR) {
            break;
        }
        n += r > 0 ? (size_t)r : 0;
    }
    out[n] = '\0';
    close(fds[0]);
    if (pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
        WEXITSTATUS(status) == 0) {
        parse_wrk(out, w);
    }
    if (!w->ok) {
        fprintf(stderr, "bench_http_server: wrk failed:\n%s\n", out);
    }
}

/* ---- nginx ------------------------------------------------------------- */

static int write_file(const char *path, const char *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int ok = fd >= 0 && write(fd, data, len) == (ssize_t)len;

    if (fd >= 0) {
        close(fd);
    }
    return ok;
}

/* Writes dir/nginx-<workers>.conf for the given port. */
static int nginx_conf(const char *dir, int workers, uint16_t port)
{
    char conf[4096], path[512];
    int n =
        lx__snprintf(conf, sizeof(conf),
                     "daemon off;\nmaster_process on;\nworker_processes %d;\n"
                     "pid %s/nginx-%d.pid;\nerror_log %s/error.log warn;\n"
                     "events { worker_connections 1024; }\n"
                     "http {\n"
                     "  access_log off;\n"
                     "  client_body_temp_path %s/tmp; proxy_temp_path %s/tmp;\n"
                     "  fastcgi_temp_path %s/tmp; uwsgi_temp_path %s/tmp;\n"
                     "  scgi_temp_path %s/tmp;\n"
                     "  default_type application/json;\n"
                     "  sendfile off; tcp_nodelay on;\n"
                     "  keepalive_requests 100000000; keepalive_timeout 60s;\n"
                     "  open_file_cache max=16;\n"
                     "  server { listen 127.0.0.1:%u; root %s/html; }\n"
                     "}\n",
                     workers, dir, workers, dir, dir, dir, dir, dir, dir,
                     (unsigned)port, dir);

    lx__snprintf(path, sizeof(path), "%s/nginx-%d.conf", dir, workers);
    return n > 0 && (size_t)n < sizeof(conf) &&
           write_file(path, conf, (size_t)n);
}

static pid_t start_nginx(const char *nginx, const char *dir, int workers,
                         uint16_t port)
{
    char conf[512], err[512];
    pid_t pid;
    int fd;

    if (!nginx_conf(dir, workers, port)) {
        return -1;
    }
    lx__snprintf(conf, sizeof(conf), "%s/nginx-%d.conf", dir, workers);
    lx__snprintf(err, sizeof(err), "%s/error.log", dir);
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        fd = open(err, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        execl(nginx, "nginx", "-p", dir, "-c", conf, "-e", err, (char *)NULL);
        _exit(127);
    }
    if (pid > 0 && !wait_listening(port)) {
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
        fprintf(stderr, "bench_http_server: nginx did not start, see %s\n",
                err);
        return -1;
    }
    return pid;
}

/* A private nginx tree: dir/html/depth.json and dir/tmp. */
static int make_tree(char *dir, size_t cap)
{
    char path[512];

    lx__snprintf(dir, cap, "/tmp/lx-bench-nginx.XXXXXX");
    if (mkdtemp(dir) == NULL || chmod(dir, 0755) != 0) {
        return 0;
    }
    lx__snprintf(path, sizeof(path), "%s/html", dir);
    if (mkdir(path, 0755) != 0) {
        return 0;
    }
    lx__snprintf(path, sizeof(path), "%s/tmp", dir);
    if (mkdir(path, 0755) != 0) {
        return 0;
    }
    lx__snprintf(path, sizeof(path), "%s/html" PATH_JSON, dir);
    return write_file(path, body, body_len);
}

static void remove_tree(const char *dir)
{
    static const char json[] = "html" PATH_JSON;
    static const char *const files[] = {
        json,          "html",        "nginx-1.conf", "nginx-2.conf",
        "nginx-1.pid", "nginx-2.pid", "error.log",    "tmp"};
    char path[512];
    size_t i;

    for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        lx__snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        if (unlink(path) != 0) {
            rmdir(path);
        }
    }
    rmdir(dir);
}

/* ---- the comparison ------------------------------------------------------ */

/* One server under test. */
struct target {
    const char *name;
    uint16_t port;
    pid_t pid;
    int ctl;     /* ours: closing it stops the server */
    size_t head; /* response head bytes; 0 = did not serve the body */
    struct wrk_result runs[ROUNDS];
    double rps;  /* median over the rounds */
    double mbps; /* median */
    long long requests;
    long long errors;
    int64_t cpu_ns; /* user + system of the server and its workers */
    int ok;
};

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

/*
 * Stops the server and collects its CPU time (workers included); a server
 * that does not exit within 5 s is killed.
 */
static void stop_target(struct target *t)
{
    struct rusage ru;
    pid_t got = 0;
    int status, i;

    if (t->pid <= 0) {
        return;
    }
    if (t->ctl >= 0) {
        close(t->ctl); /* our child stops and frees everything */
        t->ctl = -1;
    } else {
        kill(t->pid, SIGTERM); /* nginx: the master reaps its workers */
    }
    for (i = 0; i < 500 && got == 0; i++) {
        got = wait4(t->pid, &status, WNOHANG, &ru);
        if (got == 0) {
            usleep(10000);
        }
    }
    if (got == 0) {
        fprintf(stderr, "bench_http_server: %s did not exit, killed\n",
                t->name);
        kill(t->pid, SIGKILL);
        got = wait4(t->pid, &status, 0, &ru);
        t->head = 0; /* its figures are not trusted */
    }
    if (got == t->pid) {
        t->cpu_ns =
            ((int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * LX_SEC +
            ((int64_t)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * LX_USEC;
    }
    t->pid = -1;
}

static void summarize(struct target *t)
{
    double rps[ROUNDS], mbps[ROUNDS];
    int i;

    t->ok = t->head > 0;
    for (i = 0; i < ROUNDS; i++) {
        t->ok &= t->runs[i].ok;
        rps[i] = t->runs[i].rps;
        mbps[i] = t->runs[i].mbps;
        t->requests += t->runs[i].requests;
        t->errors += t->runs[i].non2xx + t->runs[i].errors;
    }
    qsort(rps, ROUNDS, sizeof(rps[0]), cmp_double);
    qsort(mbps, ROUNDS, sizeof(mbps[0]), cmp_double);
    t->rps = rps[ROUNDS / 2];
    t->mbps = mbps[ROUNDS / 2];
}

static void row(const struct target *ours, const struct target *ref)
{
    int i;

    if (!ref->ok) {
        printf("%-18s %9.0f   %-17s %9s %7s\n", ours->name, ours->rps,
               ref->name, "failed", "-");
        return;
    }
    printf("%-18s %9.0f   %-17s %9.0f %7.2f   ", ours->name, ours->rps,
           ref->name, ref->rps, ours->rps / ref->rps);
    for (i = 0; i < ROUNDS; i++) {
        printf(" %.2f", ref->runs[i].rps > 0
                            ? ours->runs[i].rps / ref->runs[i].rps
                            : 0.0);
    }
    printf("\n");
}

static void cpu_row(const struct target *ours, const struct target *ref)
{
    double o = (double)ours->cpu_ns / 1e3 / (double)ours->requests;
    double r = (double)ref->cpu_ns / 1e3 / (double)ref->requests;

    printf("%-18s %9.2f   %-17s %9.2f %7.2f\n", ours->name, o, ref->name, r,
           o / r);
}

static void print_table(const struct target *t, int have_nginx)
{
    printf("http server: GET " PATH_JSON " -> 200, %zu-byte JSON body, "
           "keep-alive, 127.0.0.1; wrk -t" WRK_THREADS " -c" WRK_CONNECTIONS
           " -d" WRK_DURATION " x %d rounds, servers interleaved; %ld cores "
           "shared by wrk and the servers\n",
           body_len, ROUNDS, sysconf(_SC_NPROCESSORS_ONLN));
    printf("response head: lotusx %zu bytes", t[0].head);
    if (have_nginx && t[1].head > 0) {
        printf(", nginx %zu bytes", t[1].head);
    }
    printf("\n");
    if (!have_nginx) {
        printf("lotusx: %.0f requests/s (median of %d)\n", t[0].rps, ROUNDS);
        printf("nginx: skipped: nginx not installed\n");
        return;
    }
    bench_header("requests/s, median of the rounds (ratio = lotusx / nginx, "
                 "goal >= 0.8 against 1 worker)",
                 "server                 req/s   reference             req/s "
                 "  ratio    per round");
    row(&t[0], &t[1]);
    row(&t[0], &t[2]);
    if (t[1].ok && t[2].ok) {
        bench_header("server CPU per request (us, user + system over all "
                     "rounds; ratio below 1 is cheaper)",
                     "server                cpu us   reference            "
                     "cpu us   ratio");
        cpu_row(&t[0], &t[1]);
        cpu_row(&t[0], &t[2]);
    }
    printf("transfer (median): lotusx %.1f MB/s, nginx 1 worker %.1f MB/s, "
           "2 workers %.1f MB/s\n",
           t[0].mbps, t[1].mbps, t[2].mbps);
    if (t[0].errors + t[1].errors + t[2].errors > 0) {
        printf("errors (non-2xx + socket): lotusx %lld, nginx-1 %lld, "
               "nginx-2 %lld\n",
               t[0].errors, t[1].errors, t[2].errors);
    }
}

/* Starts the nginx targets; 0 when the tree cannot be made. */
static int start_nginxes(const char *nginx, char *dir, size_t cap,
                         struct target *t)
{
    int w;

    if (!make_tree(dir, cap)) {
        fprintf(stderr, "bench_http_server: cannot set up %s\n", dir);
        return 0;
    }
    for (w = 1; w <= 2; w++) {
        t[w].port = free_port();
        t[w].pid = t[w].port != 0 ? start_nginx(nginx, dir, w, t[w].port) : -1;
        t[w].head = t[w].pid > 0 ? check_server(t[w].port) : 0;
        if (t[w].head == 0) {
            fprintf(stderr,
                    "bench_http_server: nginx (%d workers) did not serve "
                    "the body\n",
                    w);
        }
    }
    return 1;
}

int main(void)
{
    static struct target t[3];
    char wrk[512], nginx[512], dir[256] = "";
    int have_nginx, r, i, ok;

    signal(SIGPIPE, SIG_IGN);
    if (!find_exe("wrk", wrk, sizeof(wrk))) {
        printf("http server: skipped: wrk not installed\n");
        return 0;
    }
    have_nginx = find_exe("nginx", nginx, sizeof(nginx));
    body_len = make_body(body, sizeof(body));
    t[0].name = "lotusx (1 thread)";
    t[1].name = "nginx, 1 worker";
    t[2].name = "nginx, 2 workers";
    for (i = 0; i < 3; i++) {
        t[i].pid = -1;
        t[i].ctl = -1;
    }
    t[0].pid = start_ours(&t[0].port, &t[0].ctl);
    t[0].head = t[0].pid > 0 ? check_server(t[0].port) : 0;
    if (t[0].head == 0) {
        fprintf(stderr, "bench_http_server: our server did not serve the "
                        "body\n");
    } else if (have_nginx && !start_nginxes(nginx, dir, sizeof(dir), t)) {
        t[0].head = 0;
    }
    for (r = 0; r < ROUNDS && t[0].head > 0; r++) {
        for (i = 0; i < (have_nginx ? 3 : 1); i++) {
            if (t[i].head > 0) {
                run_wrk(wrk, t[i].port, &t[i].runs[r]);
            }
        }
    }
    for (i = 0; i < 3; i++) {
        stop_target(&t[i]);
        summarize(&t[i]);
    }
    if (dir[0] != '\0') {
        remove_tree(dir);
    }
    ok = t[0].ok && (!have_nginx || (t[1].ok && t[2].ok));
    if (t[0].ok) {
        print_table(t, have_nginx);
    }
    return ok ? 0 : 1;
}
