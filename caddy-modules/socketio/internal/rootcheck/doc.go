// Package rootcheck holds only a test: it adapts the repository's root
// Caddyfile with every KernelWork module compiled in and checks its
// kw_socketio handler. It lives apart from package socketio so that the
// module's own tests build even while another module does not.
package rootcheck
