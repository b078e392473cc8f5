// Loopback TCP ports for tests that start a real peer (sshd, a raw client): a free port to
// give a server, a raw connection to one, and a bounded wait until one accepts.
//
// Thread-safety: reentrant.
#ifndef FERRY_TESTS_SUPPORT_LOOPBACK_PORT_H_
#define FERRY_TESTS_SUPPORT_LOOPBACK_PORT_H_

#include <chrono>
#include <functional>

namespace ferry::testing {

// A port on 127.0.0.1 that was free a moment ago (bound to port 0, then closed); -1 if none.
int FreeLoopbackPort();

// A connected TCP socket to 127.0.0.1:`port` that sends nothing (or what the test writes);
// -1 when the connection is refused. The caller closes it.
int ConnectRaw(int port);

// Tries to connect to 127.0.0.1:`port` until it accepts (true), `gave_up()` says the server
// is gone, or `deadline` passes (false). A refused connect is retried after 20 ms: a port
// that is not listening yet sends no event to wait on.
bool WaitUntilAccepting(int port, std::chrono::milliseconds deadline,
                        const std::function<bool()>& gave_up = nullptr);

}  // namespace ferry::testing

#endif  // FERRY_TESTS_SUPPORT_LOOPBACK_PORT_H_
