/*
 * The live-stream clients of bench:sync: N Server-Sent Events connections over real HTTP/1.1
 * (plain sockets and epoll, one thread), each parsing its chunked body and its frames and
 * recording, for each expected event, when it arrived. They are the benchmark's load, not what
 * it measures: on one host every cycle they spend is taken from the service, and in C they
 * spend about half of what the same clients cost in Node (the kernel's share stays).
 *
 * Times are CLOCK_MONOTONIC in ms (the clock of `process.hrtime` in the parent), after `base`.
 *
 *   sse-clients HOST PORT PATH CLIENTS TOTAL FIRST_SEQ PREFIX BASE_MS ARRIVAL_FILE
 *
 * Events expected by every client: sequences FIRST_SEQ + i, i < TOTAL, each the capture of
 * platform message id PREFIX + i. Protocol, one line each: stdout `progress N` per wave of
 * connections, `connected MS` once every response has started; stdin `finish TIMEOUT_MS`;
 * then ARRIVAL_FILE gets arrival[c * TOTAL + i] (float64, NaN if never) and stdout
 * `result {json}`. Any failure: stdout `error MESSAGE`, exit 1.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef struct {
  int fd;
  int open;
  int started; /* the status line and headers were read */
  char head[8192];
  size_t head_len;
  char size[32]; /* the chunk-size line read so far */
  size_t size_len;
  long left;     /* bytes of the current chunk still to come */
  int skip;      /* the CRLF after a chunk */
  char *line;    /* an unfinished line */
  size_t line_len, line_cap;
  long seq;      /* the frame being read: its id, -1 before one */
  int created;
  long index;
  long last_seq;
  long got;
} Client;

static Client *clients;
static int n_clients, started, complete_clients, finishing;
static long total, first_seq;
static double base, *arrival;
static long duplicates, out_of_order, other, wrong_data, ended, bytes;
static char mark[256];
static size_t mark_len;

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static void fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  printf("error ");
  vprintf(fmt, ap);
  printf("\n");
  fflush(stdout);
  va_end(ap);
  exit(1);
}

static int starts(const char *s, size_t n, const char *what) {
  size_t k = strlen(what);
  return n >= k && memcmp(s, what, k) == 0;
}

static long digits(const char *s, size_t n) {
  long v = 0;
  size_t i = 0;
  for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) v = v * 10 + (s[i] - '0');
  return i == 0 ? -1 : v;
}

static void deliver(int c, Client *k, double at) {
  if (k->seq <= k->last_seq) out_of_order++;
  k->last_seq = k->seq;
  long i = k->seq - first_seq;
  if (c == 0 && k->index != i) wrong_data++;
  if (!k->created || i < 0 || i >= total) {
    other++;
    return;
  }
  double *a = &arrival[(size_t)c * total + i];
  if (isnan(*a)) {
    *a = at;
    if (++k->got == total) complete_clients++;
  } else
    duplicates++;
}

/* One line of a frame, without its newline. A blank line ends the frame (`retry:` and
 * `: heartbeat` frames have no id). Only the first client reads the data, to check that
 * each sequence carries the capture it stands for. */
static void on_line(int c, Client *k, const char *s, size_t n, double at) {
  if (n == 0) {
    if (k->seq >= 0) deliver(c, k, at);
    k->seq = -1;
    k->created = 0;
    k->index = -1;
  } else if (starts(s, n, "id: "))
    k->seq = digits(s + 4, n - 4);
  else if (starts(s, n, "event: "))
    k->created = n == strlen("event: message.created") && starts(s, n, "event: message.created");
  else if (c == 0 && starts(s, n, "data: ")) {
    const char *p = memmem(s, n, mark, mark_len);
    if (p) k->index = digits(p + mark_len, n - (size_t)(p - s) - mark_len);
  }
}

static void body(int c, Client *k, const char *s, size_t n, double at) {
  bytes += (long)n;
  while (n > 0) {
    const char *nl = memchr(s, '\n', n);
    if (!nl) {
      if (k->line_len + n > k->line_cap) {
        k->line_cap = (k->line_len + n) * 2;
        k->line = realloc(k->line, k->line_cap);
        if (!k->line) fail("out of memory");
      }
      memcpy(k->line + k->line_len, s, n);
      k->line_len += n;
      return;
    }
    size_t m = (size_t)(nl - s);
    if (k->line_len > 0) {
      if (k->line_len + m > k->line_cap) {
        k->line_cap = (k->line_len + m) * 2;
        k->line = realloc(k->line, k->line_cap);
        if (!k->line) fail("out of memory");
      }
      memcpy(k->line + k->line_len, s, m);
      on_line(c, k, k->line, k->line_len + m, at);
      k->line_len = 0;
    } else
      on_line(c, k, s, m, at);
    s += m + 1;
    n -= m + 1;
  }
}

static void close_client(Client *k) {
  if (!k->open) return;
  k->open = 0;
  close(k->fd);
  if (!finishing) ended++;
}

/* The chunked body: size line, data, CRLF; a zero size ends the response. */
static void chunked(int c, Client *k, const char *s, size_t n, double at) {
  while (n > 0) {
    if (k->skip > 0) {
      size_t m = n < (size_t)k->skip ? n : (size_t)k->skip;
      k->skip -= (int)m;
      s += m;
      n -= m;
    } else if (k->left > 0) {
      size_t m = n < (size_t)k->left ? n : (size_t)k->left;
      body(c, k, s, m, at);
      k->left -= (long)m;
      s += m;
      n -= m;
      if (k->left == 0) k->skip = 2;
    } else {
      const char *nl = memchr(s, '\n', n);
      size_t m = nl ? (size_t)(nl - s) : n;
      if (k->size_len + m >= sizeof k->size) fail("client %d: a chunk-size line too long", c);
      memcpy(k->size + k->size_len, s, m);
      k->size_len += m;
      if (!nl) return;
      k->size[k->size_len] = 0;
      k->left = strtol(k->size, NULL, 16);
      k->size_len = 0;
      s += m + 1;
      n -= m + 1;
      if (k->left <= 0) {
        close_client(k); /* the last chunk: the response ended */
        return;
      }
    }
  }
}

static void on_data(int c, Client *k, char *buf, size_t n, double at) {
  if (!k->started) {
    size_t take = n < sizeof k->head - 1 - k->head_len ? n : sizeof k->head - 1 - k->head_len;
    memcpy(k->head + k->head_len, buf, take);
    size_t before = k->head_len;
    k->head_len += take;
    k->head[k->head_len] = 0;
    char *end = strstr(k->head, "\r\n\r\n");
    if (!end) {
      if (k->head_len == sizeof k->head - 1) fail("client %d: response headers too long", c);
      return;
    }
    *end = 0;
    for (char *p = k->head; *p; p++) *p = (char)tolower((unsigned char)*p);
    if (strncmp(k->head, "http/1.1 200", 12) != 0 || !strstr(k->head, "transfer-encoding: chunked")) {
      char *eol = strstr(k->head, "\r\n");
      if (eol) *eol = 0;
      fail("client %d: %s (want 200, chunked)", c, k->head);
    }
    k->started = 1;
    started++;
    size_t used = (size_t)(end + 4 - k->head) - before; /* this read's bytes that were headers */
    chunked(c, k, buf + used, n - used, at);
    return;
  }
  chunked(c, k, buf, n, at);
}

static int ep;
static char finish_line[64];
static size_t finish_len;
static long finish_timeout = -1;

/* Waits up to `ms` for sockets (and the parent's line on stdin), reading all that is ready. */
static void pump(int ms) {
  static char buf[1 << 16];
  struct epoll_event evs[1024];
  int k = epoll_wait(ep, evs, 1024, ms);
  if (k < 0 && errno != EINTR) fail("epoll_wait: %s", strerror(errno));
  for (int j = 0; j < k; j++) {
    int c = evs[j].data.u32;
    if (c == n_clients) { /* stdin */
      ssize_t r = read(0, finish_line + finish_len, sizeof finish_line - 1 - finish_len);
      if (r <= 0) fail("the parent went away");
      finish_len += (size_t)r;
      finish_line[finish_len] = 0;
      if (strchr(finish_line, '\n')) {
        if (sscanf(finish_line, "finish %ld", &finish_timeout) != 1) fail("unexpected line: %s", finish_line);
      }
      continue;
    }
    Client *cl = &clients[c];
    for (;;) {
      ssize_t r = read(cl->fd, buf, sizeof buf);
      double at = now_ms() - base;
      if (r > 0) {
        on_data(c, cl, buf, (size_t)r, at);
        if (!cl->open || (size_t)r < sizeof buf) break;
      } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
        close_client(cl);
        break;
      } else
        break;
    }
  }
}

static void open_client(int c, struct sockaddr_in *addr, const char *request) {
  Client *k = &clients[c];
  memset(k, 0, sizeof *k);
  k->seq = -1;
  k->index = -1;
  k->fd = socket(AF_INET, SOCK_STREAM, 0);
  if (k->fd < 0) fail("socket: %s", strerror(errno));
  if (connect(k->fd, (struct sockaddr *)addr, sizeof *addr) != 0) fail("connect: %s", strerror(errno));
  size_t len = strlen(request);
  if (write(k->fd, request, len) != (ssize_t)len) fail("write: %s", strerror(errno));
  fcntl(k->fd, F_SETFL, fcntl(k->fd, F_GETFL) | O_NONBLOCK);
  k->open = 1;
  struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)c};
  if (epoll_ctl(ep, EPOLL_CTL_ADD, k->fd, &ev) != 0) fail("epoll_ctl: %s", strerror(errno));
}

static double cpu_ms(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

int main(int argc, char **argv) {
  if (argc != 10) fail("usage: sse-clients HOST PORT PATH CLIENTS TOTAL FIRST_SEQ PREFIX BASE_MS ARRIVAL_FILE");
  const char *host = argv[1], *path = argv[3], *out = argv[9];
  n_clients = atoi(argv[4]);
  total = atol(argv[5]);
  first_seq = atol(argv[6]);
  base = atof(argv[8]);
  mark_len = (size_t)snprintf(mark, sizeof mark, "\"platform_message_id\":\"%s", argv[7]);
  setvbuf(stdout, NULL, _IOLBF, 0);

  struct rlimit nofile;
  getrlimit(RLIMIT_NOFILE, &nofile);
  if (nofile.rlim_cur < (rlim_t)n_clients + 64) {
    nofile.rlim_cur = nofile.rlim_max;
    setrlimit(RLIMIT_NOFILE, &nofile);
  }
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
  if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
    struct hostent *h = gethostbyname(host);
    if (!h) fail("cannot resolve %s", host);
    memcpy(&addr.sin_addr, h->h_addr_list[0], sizeof addr.sin_addr);
  }
  char request[4096];
  snprintf(request, sizeof request, "GET %s HTTP/1.1\r\nHost: %s:%s\r\nAccept: text/event-stream\r\n\r\n", path,
           host, argv[2]);

  clients = calloc((size_t)n_clients, sizeof *clients);
  arrival = malloc((size_t)n_clients * (size_t)total * sizeof *arrival);
  if (!clients || !arrival) fail("out of memory");
  for (size_t i = 0; i < (size_t)n_clients * (size_t)total; i++) arrival[i] = NAN;
  ep = epoll_create1(0);
  struct epoll_event in = {.events = EPOLLIN, .data.u32 = (uint32_t)n_clients};
  epoll_ctl(ep, EPOLL_CTL_ADD, 0, &in);

  /* Connect in waves (the server's accept backlog is finite). */
  double t0 = now_ms();
  const int wave = 50;
  for (int c = 0; c < n_clients; c += wave) {
    int upto = c + wave < n_clients ? c + wave : n_clients;
    for (int k = c; k < upto; k++) open_client(k, &addr, request);
    while (started < upto) {
      if (now_ms() - t0 > 120000) fail("only %d of %d responses started within 120 s", started, n_clients);
      if (ended > 0) fail("a connection closed before its response started");
      pump(100);
    }
    printf("progress %d\n", upto);
  }
  printf("connected %.1f\n", now_ms() - t0);
  double cpu0 = cpu_ms();

  while (finish_timeout < 0) pump(100);
  double until = now_ms() + (double)finish_timeout;
  while (complete_clients < n_clients && now_ms() < until) pump(50);
  finishing = 1;
  double cpu = cpu_ms() - cpu0;
  for (int c = 0; c < n_clients; c++) close_client(&clients[c]);

  FILE *f = fopen(out, "wb");
  if (!f) fail("cannot write %s: %s", out, strerror(errno));
  size_t cells = (size_t)n_clients * (size_t)total;
  if (fwrite(arrival, sizeof *arrival, cells, f) != cells || fclose(f) != 0) fail("cannot write %s", out);
  printf("result {\"duplicates\":%ld,\"outOfOrder\":%ld,\"other\":%ld,\"wrongData\":%ld,\"ended\":%ld,\"bytes\":%ld,"
         "\"cpuMs\":%.1f}\n",
         duplicates, out_of_order, other, wrong_data, ended, bytes, cpu);
  return 0;
}
