// delay_proxy: a user-space TCP proxy that adds a fixed one-way delay in each direction, for
// benchmarking `ferry pull` over a long link where netem is not available (issue 14;
// bench/net_bench.sh). The C++ twin of bench/delay_proxy.py, with its command line, model and
// outputs; it exists because on a 2-core machine the Python proxy's CPU (relaying ~128 MB per
// pull) was taken from the client it measured, and a real network's latency costs the client
// no CPU (docs/DESIGN.md, "Downloads find their own concurrency").
//
//   delay_proxy --listen 127.0.0.1:0 --upstream 127.0.0.1:8080 [--delay-ms 25]
//               [--handshake-rtt 1] [--status FILE] [--port-file FILE]
//
// Model: every connection is a delay line in each direction. Bytes read at time t are written
// out at t + delay, in order, while the next bytes keep being read: throughput is preserved
// (not stop-and-wait), only latency is added, so one round trip costs 2 x delay. A new
// connection's first client bytes wait --handshake-rtt extra round trips (default 1), as a
// real TCP handshake would cost before the client can send (the proxy itself accepts at once).
// Upstream is connected at once (it is on loopback).
//
// Counters: bytes each way (client->server "up", server->client "down") over all connections,
// the number of connections and how many are open. Printed to stdout at exit (SIGTERM /
// SIGINT) as `delay_proxy: {json}`; with --status, rewritten atomically (temp file + rename)
// as one JSON line at start, whenever a connection has closed both its sockets, and at exit.
// --port-file receives the port actually listened on (for --listen ...:0).
//
// Backpressure: bytes whose time has come but that the socket has not taken yet are that
// socket's write buffer; past 8 MiB, reading from the other socket pauses until it drains to
// 2 MiB (asyncio's default low-water mark, a quarter), so a slow reader does not make the
// proxy buffer without bound. Bytes still on the line (not yet due) are not bounded, as on a
// real link they would be in flight.
//
// Closing: HTTP needs no half-close. When one socket reaches EOF (or fails), it is closed at
// once, what was still on its way to it is dropped, and the other socket is closed once the
// bytes already read from the first one have been delivered.
//
// Single-threaded: one epoll loop over nonblocking sockets, a timerfd armed for the earliest
// due chunk (a min-heap of one entry per non-empty line), a signalfd for SIGTERM / SIGINT.
// Reads are up to 256 KiB so the CPU per byte stays small.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <queue>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

constexpr size_t kReadSize = 256 << 10;
constexpr size_t kHighWater = 8 << 20;
constexpr size_t kLowWater = kHighWater / 4;
constexpr int kMaxIov = 64;

int64_t NowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "delay_proxy: %s\n", what.c_str());
  std::exit(2);
}

struct Options {
  std::string listen = "127.0.0.1:0";
  std::string upstream;
  double delay_ms = 25.0;
  double handshake_rtt = 1.0;
  std::string status_path;
  std::string port_file;
};

const char kUsage[] =
    "usage: delay_proxy --upstream HOST:PORT [--listen HOST:PORT] [--delay-ms MS]\n"
    "                   [--handshake-rtt N] [--status FILE] [--port-file FILE]\n"
    "A TCP proxy adding MS milliseconds each way (default 25); a new connection's first bytes\n"
    "wait N extra round trips (default 1). See bench/delay_proxy.cc.\n";

// Accepts `--name value` and `--name=value`, as the Python twin's argparse does.
Options ParseArgs(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i], value;
    if (arg == "-h" || arg == "--help") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    const size_t eq = arg.find('=');
    if (eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg.resize(eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      Die("option " + arg + " needs a value\n" + kUsage);
    }
    char* end = nullptr;
    auto number = [&]() {
      const double d = std::strtod(value.c_str(), &end);
      if (end == value.c_str() || *end != '\0' || !std::isfinite(d) || d < 0) {
        Die("option " + arg + ": not a non-negative number: " + value);
      }
      return d;
    };
    if (arg == "--listen")
      o.listen = value;
    else if (arg == "--upstream")
      o.upstream = value;
    else if (arg == "--delay-ms")
      o.delay_ms = number();
    else if (arg == "--handshake-rtt")
      o.handshake_rtt = number();
    else if (arg == "--status")
      o.status_path = value;
    else if (arg == "--port-file")
      o.port_file = value;
    else
      Die("unknown option " + arg + "\n" + kUsage);
  }
  if (o.upstream.empty()) Die(std::string("--upstream is required\n") + kUsage);
  return o;
}

// "host:port" (the last colon splits) resolved to one IPv4/IPv6 address.
sockaddr_storage Resolve(const std::string& hostport, socklen_t* len, bool passive) {
  const size_t colon = hostport.rfind(':');
  if (colon == std::string::npos) Die("not HOST:PORT: " + hostport);
  const std::string host = hostport.substr(0, colon), port = hostport.substr(colon + 1);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = passive ? AI_PASSIVE : 0;
  addrinfo* res = nullptr;
  const int rc = getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(), &hints, &res);
  if (rc != 0 || res == nullptr) Die("cannot resolve " + hostport + ": " + gai_strerror(rc));
  sockaddr_storage addr{};
  std::memcpy(&addr, res->ai_addr, res->ai_addrlen);
  *len = res->ai_addrlen;
  freeaddrinfo(res);
  return addr;
}

void SetNoDelay(int fd) {
  // Small requests and answers would otherwise wait for a delayed ACK (asyncio sets it too).
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

struct Counters {
  uint64_t up = 0, down = 0, connections = 0, open = 0;
  std::string status_path;

  std::string Json() const {
    char buf[200];
    std::snprintf(buf, sizeof(buf),
                  "{\"up_bytes\": %llu, \"down_bytes\": %llu, \"connections\": %llu, "
                  "\"open\": %llu}",
                  static_cast<unsigned long long>(up), static_cast<unsigned long long>(down),
                  static_cast<unsigned long long>(connections),
                  static_cast<unsigned long long>(open));
    return buf;
  }

  // A reader never sees a half-written file: the line goes to FILE.tmp, then replaces FILE.
  void WriteStatus() const {
    if (status_path.empty()) return;
    const std::string tmp = status_path + ".tmp", line = Json() + "\n";
    FILE* f = std::fopen(tmp.c_str(), "w");
    if (f == nullptr || std::fputs(line.c_str(), f) < 0 || std::fclose(f) != 0 ||
        std::rename(tmp.c_str(), status_path.c_str()) != 0) {
      std::fprintf(stderr, "delay_proxy: cannot write %s: %s\n", status_path.c_str(),
                   std::strerror(errno));
    }
  }
};

// Read buffers are recycled: a fresh allocation per read, copied into, cost a third of the
// proxy's CPU (perf: page faults on the new memory, and the copy). A read of kReadSize goes
// straight into a pooled buffer that becomes the chunk; a small read (a request, a header) is
// copied into a buffer of its size, so a chunk of 200 bytes does not hold 256 KiB.
// The pool owns what it keeps, so nothing is left unfreed at exit (LeakSanitizer).
std::vector<std::unique_ptr<char[]>>& FreeBuffers() {
  static std::vector<std::unique_ptr<char[]>> free;  // single-threaded
  return free;
}
constexpr size_t kMaxFreeBuffers = 64;
constexpr size_t kCopyBelow = 16 << 10;

struct ReleaseBuffer {
  bool pooled = true;
  void operator()(char* p) const {
    if (pooled && FreeBuffers().size() < kMaxFreeBuffers) {
      FreeBuffers().emplace_back(p);
    } else {
      delete[] p;
    }
  }
};
using Buffer = std::unique_ptr<char[], ReleaseBuffer>;

Buffer NewReadBuffer() {
  if (FreeBuffers().empty()) return Buffer(new char[kReadSize]);
  Buffer b(FreeBuffers().back().release());
  FreeBuffers().pop_back();
  return b;
}

struct Chunk {
  int64_t due_ns;
  Buffer bytes;
  size_t size;
};

// One direction of a connection: chunks on the line (not yet due, in due order) and the
// socket's write buffer (due, not yet taken by the socket; `ready_offset` into the first).
struct Line {
  std::deque<Chunk> delayed;
  std::deque<Chunk> ready;
  size_t ready_offset = 0;
  size_t ready_bytes = 0;
  int64_t extra_ns = 0;  // added to the next chunk only (the handshake)
  bool timer_armed = false;
  bool closing = false;  // its source is gone: close the destination once drained
};

struct Side {
  int fd = -1;
  bool connecting = false;  // the upstream side until its connect completes
  bool closed = false;
  bool read_paused = false;  // backpressure from the line towards the other side
  uint32_t events = 0;       // what epoll watches now
};

// Sides and lines are indexed 0 = client, 1 = server; line i carries bytes read from side i
// to side 1 - i.
struct Pair {
  uint64_t id;
  Side side[2];
  Line line[2];
};

struct TimerEntry {
  int64_t due_ns;
  uint64_t pair_id;
  int line;
  bool operator>(const TimerEntry& o) const { return due_ns > o.due_ns; }
};

class Proxy {
 public:
  explicit Proxy(const Options& o) : options_(o) {
    delay_ns_ = std::llround(o.delay_ms * 1e6);
    handshake_ns_ = std::llround(o.handshake_rtt * 2 * o.delay_ms * 1e6);
    counters_.status_path = o.status_path;
    upstream_ = Resolve(o.upstream, &upstream_len_, false);
    buf_ = NewReadBuffer();
  }

  int Run();

 private:
  // epoll tokens: 0-2 are the fixed fds, a pair's side is 4 + 2 * id + side.
  static constexpr uint64_t kListenToken = 0, kSignalToken = 1, kTimerToken = 2;
  static uint64_t Token(uint64_t id, int s) { return 4 + 2 * id + s; }

  void Listen();
  void Accept();
  void OnSocket(uint64_t token, uint32_t events);
  void ReadFrom(Pair& p, int s);
  void Promote(Pair& p, int l, int64_t now);
  void Flush(Pair& p, int l);
  void ArmLine(Pair& p, int l);
  void ArmTimerFd();
  void OnTimer();
  void Lose(Pair& p, int s);
  void UpdateEvents(Pair& p, int s);
  void Watch(int fd, uint64_t token, uint32_t events);

  const Options options_;
  int64_t delay_ns_ = 0, handshake_ns_ = 0;
  sockaddr_storage upstream_{};
  socklen_t upstream_len_ = 0;
  Counters counters_;
  int epfd_ = -1, listen_fd_ = -1, signal_fd_ = -1, timer_fd_ = -1;
  int64_t timer_fd_due_ = 0;  // what timer_fd_ is armed for; 0: disarmed
  uint64_t next_id_ = 1;
  std::unordered_map<uint64_t, std::unique_ptr<Pair>> pairs_;
  std::vector<uint64_t> dead_;  // pairs with both sockets closed, freed after the event
  std::priority_queue<TimerEntry, std::vector<TimerEntry>, std::greater<>> timers_;
  Buffer buf_;  // the next read's
};

void Proxy::Watch(int fd, uint64_t token, uint32_t events) {
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = token;
  if (epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) != 0)
    Die(std::string("epoll_ctl: ") + strerror(errno));
}

void Proxy::Listen() {
  socklen_t len = 0;
  sockaddr_storage addr = Resolve(options_.listen, &len, true);
  listen_fd_ = socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  const int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (listen_fd_ < 0 || bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
      listen(listen_fd_, 1024) != 0) {
    Die("cannot listen on " + options_.listen + ": " + strerror(errno));
  }
  sockaddr_storage bound{};
  socklen_t bound_len = sizeof(bound);
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&bound), &bound_len);
  const int port =
      ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                        : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  if (!options_.port_file.empty()) {
    const std::string tmp = options_.port_file + ".tmp";
    FILE* f = std::fopen(tmp.c_str(), "w");
    if (f == nullptr || std::fprintf(f, "%d\n", port) < 0 || std::fclose(f) != 0 ||
        std::rename(tmp.c_str(), options_.port_file.c_str()) != 0) {
      Die("cannot write " + options_.port_file + ": " + strerror(errno));
    }
  }
  const std::string host = options_.listen.substr(0, options_.listen.rfind(':'));
  std::fprintf(stderr, "delay_proxy: listening on %s:%d -> %s, %.1f ms each way\n", host.c_str(),
               port, options_.upstream.c_str(), options_.delay_ms);
  std::fflush(stderr);
  Watch(listen_fd_, kListenToken, EPOLLIN);
}

void Proxy::Accept() {
  for (;;) {
    const int cfd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (cfd < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
      // EMFILE and the like: report, leave the rest of the backlog for the next round.
      std::fprintf(stderr, "delay_proxy: accept: %s\n", strerror(errno));
      return;
    }
    SetNoDelay(cfd);
    auto pair = std::make_unique<Pair>();
    Pair& p = *pair;
    p.id = next_id_++;
    pairs_[p.id] = std::move(pair);
    ++counters_.connections;
    ++counters_.open;
    p.side[0].fd = cfd;
    p.line[0].extra_ns = handshake_ns_;  // client -> server carries the handshake's cost
    const int sfd = socket(upstream_.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    p.side[1].fd = sfd;
    p.side[1].connecting = true;
    if (sfd < 0 || (connect(sfd, reinterpret_cast<sockaddr*>(&upstream_), upstream_len_) != 0 &&
                    errno != EINPROGRESS)) {
      std::fprintf(stderr, "delay_proxy: upstream %s: %s\n", options_.upstream.c_str(),
                   strerror(errno));
      Watch(cfd, Token(p.id, 0), 0);
      Lose(p, 1);
      continue;
    }
    SetNoDelay(sfd);
    Watch(cfd, Token(p.id, 0), 0);
    Watch(sfd, Token(p.id, 1), 0);
    UpdateEvents(p, 0);
    UpdateEvents(p, 1);
  }
}

// Reads what `s` has (up to a few buffers, so one busy socket does not starve the others)
// onto the line towards the other side.
void Proxy::ReadFrom(Pair& p, int s) {
  Line& line = p.line[s];
  for (int round = 0; round < 4 && !p.side[s].closed && !p.side[s].read_paused; ++round) {
    const ssize_t n = read(p.side[s].fd, buf_.get(), kReadSize);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
    if (n <= 0) {  // EOF, or a reset: either way this socket is done
      Lose(p, s);
      return;
    }
    (s == 0 ? counters_.up : counters_.down) += static_cast<uint64_t>(n);
    int64_t due = NowNs() + delay_ns_ + line.extra_ns;
    line.extra_ns = 0;
    if (!line.delayed.empty()) due = std::max(due, line.delayed.back().due_ns);  // no overtaking
    const size_t size = static_cast<size_t>(n);
    if (size < kCopyBelow) {
      Buffer copy(new char[size], ReleaseBuffer{/*pooled=*/false});
      std::memcpy(copy.get(), buf_.get(), size);
      line.delayed.push_back(Chunk{due, std::move(copy), size});
    } else {
      line.delayed.push_back(Chunk{due, std::move(buf_), size});
      buf_ = NewReadBuffer();
    }
    ArmLine(p, s);
    if (size < kReadSize) return;  // drained for now
  }
}

// Moves the chunks whose time has come into the destination's write buffer.
void Proxy::Promote(Pair& p, int l, int64_t now) {
  Line& line = p.line[l];
  while (!line.delayed.empty() && line.delayed.front().due_ns <= now) {
    line.ready_bytes += line.delayed.front().size;
    line.ready.push_back(std::move(line.delayed.front()));
    line.delayed.pop_front();
  }
  if (line.ready_bytes > kHighWater && !p.side[l].read_paused) {
    p.side[l].read_paused = true;
    UpdateEvents(p, l);
  }
}

// Writes the write buffer of line `l` to its destination until the socket takes no more; then
// closes the destination if the source is gone and nothing is left.
void Proxy::Flush(Pair& p, int l) {
  Line& line = p.line[l];
  Side& dst = p.side[1 - l];
  if (dst.closed) return;
  while (!dst.connecting && !line.ready.empty()) {
    iovec iov[kMaxIov];
    int n = 0;
    for (auto it = line.ready.begin(); it != line.ready.end() && n < kMaxIov; ++it, ++n) {
      const size_t off = n == 0 ? line.ready_offset : 0;
      iov[n].iov_base = it->bytes.get() + off;
      iov[n].iov_len = it->size - off;
    }
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = n;
    ssize_t sent = sendmsg(dst.fd, &msg, MSG_NOSIGNAL);
    if (sent < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) break;
      Lose(p, 1 - l);  // the peer reset or went away
      return;
    }
    line.ready_bytes -= static_cast<size_t>(sent);
    while (sent > 0) {
      const size_t left = line.ready.front().size - line.ready_offset;
      if (static_cast<size_t>(sent) < left) {
        line.ready_offset += static_cast<size_t>(sent);
        break;
      }
      sent -= static_cast<ssize_t>(left);
      line.ready.pop_front();
      line.ready_offset = 0;
    }
  }
  if (p.side[l].read_paused && line.ready_bytes <= kLowWater) {
    p.side[l].read_paused = false;
    UpdateEvents(p, l);
  }
  if (line.closing && line.ready.empty() && line.delayed.empty()) {
    Lose(p, 1 - l);
    return;
  }
  UpdateEvents(p, 1 - l);
}

// A line's chunks are due in order, so it needs one timer at a time: for its first chunk.
void Proxy::ArmLine(Pair& p, int l) {
  Line& line = p.line[l];
  if (line.timer_armed || line.delayed.empty()) return;
  line.timer_armed = true;
  timers_.push(TimerEntry{line.delayed.front().due_ns, p.id, l});
}

void Proxy::ArmTimerFd() {
  const int64_t due = timers_.empty() ? 0 : timers_.top().due_ns;
  if (due == timer_fd_due_) return;
  itimerspec spec{};
  if (due != 0) {
    spec.it_value.tv_sec = due / 1'000'000'000;
    spec.it_value.tv_nsec = due % 1'000'000'000;
  }
  timerfd_settime(timer_fd_, TFD_TIMER_ABSTIME, &spec, nullptr);
  timer_fd_due_ = due;
}

void Proxy::OnTimer() {
  uint64_t expirations;
  [[maybe_unused]] ssize_t ignored = read(timer_fd_, &expirations, sizeof(expirations));
  timer_fd_due_ = 0;  // fired (or about to be re-armed below)
  const int64_t now = NowNs();
  while (!timers_.empty() && timers_.top().due_ns <= now) {
    const TimerEntry e = timers_.top();
    timers_.pop();
    auto it = pairs_.find(e.pair_id);
    if (it == pairs_.end()) continue;  // the connection closed meanwhile
    Pair& p = *it->second;
    p.line[e.line].timer_armed = false;
    Promote(p, e.line, now);
    Flush(p, e.line);
    ArmLine(p, e.line);
  }
}

// Side `s` is done (EOF, error, or its peer's bytes are all delivered): close it, drop what was
// on its way to it, and let the other side close once what `s` sent has been delivered.
void Proxy::Lose(Pair& p, int s) {
  Side& side = p.side[s];
  if (side.closed) return;
  side.closed = true;
  if (side.fd >= 0) close(side.fd);  // also leaves the epoll set
  side.fd = -1;
  Line& towards = p.line[1 - s];
  towards.delayed.clear();
  towards.ready.clear();
  towards.ready_bytes = towards.ready_offset = 0;
  p.line[s].closing = true;
  if (p.side[1 - s].closed) {
    --counters_.open;
    counters_.WriteStatus();
    dead_.push_back(p.id);
    return;
  }
  if (p.line[s].delayed.empty() && p.line[s].ready.empty()) {
    Lose(p, 1 - s);
  } else if (p.side[1 - s].read_paused) {  // nothing will drain towards `s` any more
    p.side[1 - s].read_paused = false;
    UpdateEvents(p, 1 - s);
  }
}

void Proxy::UpdateEvents(Pair& p, int s) {
  Side& side = p.side[s];
  if (side.closed) return;
  uint32_t want = 0;
  if (side.connecting) {
    want = EPOLLOUT;
  } else {
    if (!side.read_paused) want |= EPOLLIN;
    if (!p.line[1 - s].ready.empty()) want |= EPOLLOUT;
  }
  if (want == side.events) return;
  epoll_event ev{};
  ev.events = want;
  ev.data.u64 = Token(p.id, s);
  epoll_ctl(epfd_, EPOLL_CTL_MOD, side.fd, &ev);
  side.events = want;
}

void Proxy::OnSocket(uint64_t token, uint32_t events) {
  const uint64_t id = (token - 4) / 2;
  const int s = static_cast<int>((token - 4) % 2);
  auto it = pairs_.find(id);
  if (it == pairs_.end()) return;
  Pair& p = *it->second;
  Side& side = p.side[s];
  if (side.closed) return;
  if (side.connecting) {
    int err = 0;
    socklen_t len = sizeof(err);
    getsockopt(side.fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      std::fprintf(stderr, "delay_proxy: upstream %s: %s\n", options_.upstream.c_str(),
                   strerror(err));
      p.line[0].delayed.clear();  // undeliverable
      p.line[0].ready.clear();
      p.line[0].ready_bytes = p.line[0].ready_offset = 0;
      Lose(p, 1);
      return;
    }
    side.connecting = false;
    UpdateEvents(p, s);
    Flush(p, 0);  // what the client sent meanwhile and is already due
    return;
  }
  // A reset socket reports EPOLLERR whatever it is watched for; a paused one would otherwise
  // be reported again and again without ever being read.
  if ((events & EPOLLERR) || ((events & EPOLLHUP) && side.read_paused)) {
    Lose(p, s);
    return;
  }
  if (events & EPOLLOUT) Flush(p, 1 - s);
  if (!side.closed && (events & (EPOLLIN | EPOLLHUP))) ReadFrom(p, s);
}

int Proxy::Run() {
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  sigprocmask(SIG_BLOCK, &mask, nullptr);
  signal_fd_ = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
  timer_fd_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  epfd_ = epoll_create1(EPOLL_CLOEXEC);
  if (signal_fd_ < 0 || timer_fd_ < 0 || epfd_ < 0) Die(std::string("setup: ") + strerror(errno));
  Watch(signal_fd_, kSignalToken, EPOLLIN);
  Watch(timer_fd_, kTimerToken, EPOLLIN);
  Listen();
  counters_.WriteStatus();

  std::vector<epoll_event> events(256);
  for (;;) {
    const int n = epoll_wait(epfd_, events.data(), static_cast<int>(events.size()), -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      Die(std::string("epoll_wait: ") + strerror(errno));
    }
    for (int i = 0; i < n; ++i) {
      const uint64_t token = events[i].data.u64;
      if (token == kSignalToken) {
        close(listen_fd_);
        counters_.WriteStatus();
        std::printf("delay_proxy: %s\n", counters_.Json().c_str());
        std::fflush(stdout);
        return 0;
      }
      if (token == kListenToken)
        Accept();
      else if (token == kTimerToken)
        OnTimer();
      else
        OnSocket(token, events[i].events);
    }
    for (uint64_t id : dead_) pairs_.erase(id);
    dead_.clear();
    ArmTimerFd();
  }
}

}  // namespace

int main(int argc, char** argv) {
  Proxy proxy(ParseArgs(argc, argv));
  return proxy.Run();
}
