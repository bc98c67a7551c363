package mock

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"strconv"
	"strings"
	"sync"
	"time"
)

// proxyDialTimeout bounds a dial to a routed target; every target is on loopback, so a
// slow dial means it is gone.
const proxyDialTimeout = 5 * time.Second

// Proxy is an HTTP proxy on loopback that carries traffic for a fixed set of host:port
// names only, each to a loopback target, so that a client can be aimed at a public name
// such as sts.cn-hangzhou.aliyuncs.com:443 while every byte stays on this machine. It
// tunnels CONNECT and forwards absolute-URI HTTP requests for routed names; anything else
// is answered 403 and remembered as refused. It never dials anything but its targets.
type Proxy struct {
	// URL is the proxy's URL, http://127.0.0.1:PORT, for HTTPS_PROXY or
	// http.ProxyURL.
	URL string

	httpServer *httptest.Server
	routes     map[string]string
	targets    map[string]bool
	transport  *http.Transport

	mu      sync.Mutex
	counts  map[string]int
	refused []string
	tunnels map[net.Conn]bool
	closed  bool
	wg      sync.WaitGroup
}

// NewProxy starts a proxy on a loopback port that routes each host:port key of routes
// to its target, which must be a loopback IP address and port. Close it when done.
func NewProxy(routes map[string]string) (*Proxy, error) {
	p := &Proxy{
		routes:  map[string]string{},
		targets: map[string]bool{},
		counts:  map[string]int{},
		tunnels: map[net.Conn]bool{},
	}
	for name, target := range routes {
		key, err := routeKey(name, "")
		if err != nil {
			return nil, fmt.Errorf("proxy: route %q: %w", name, err)
		}
		if err := checkLoopbackTarget(target); err != nil {
			return nil, fmt.Errorf("proxy: route %q: %w", name, err)
		}
		p.routes[key] = target
		p.targets[target] = true
	}

	p.transport = &http.Transport{
		Proxy:             nil,
		DialContext:       p.dialTarget,
		DisableKeepAlives: true,
	}

	httpServer, err := startLoopback(http.HandlerFunc(p.serveHTTP), nil)
	if err != nil {
		return nil, fmt.Errorf("proxy: %w", err)
	}
	p.httpServer = httpServer
	p.URL = httpServer.URL

	return p, nil
}

// routeKey returns hostport as a route key, lower-case host:port, using defaultPort when
// hostport has no port.
func routeKey(hostport, defaultPort string) (string, error) {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		if defaultPort == "" {
			return "", err
		}
		host, port = hostport, defaultPort
	}
	if host == "" {
		return "", errors.New("no host")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return "", fmt.Errorf("port %q is not a port number", port)
	}

	return net.JoinHostPort(strings.ToLower(host), port), nil
}

// checkLoopbackTarget accepts only a loopback IP address and port: a name could resolve
// anywhere.
func checkLoopbackTarget(target string) error {
	host, port, err := net.SplitHostPort(target)
	if err != nil {
		return fmt.Errorf("target %q: %w", target, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("target %q is not a loopback IP address", target)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("target %q has no port number", target)
	}

	return nil
}

// Close stops the proxy, cuts every open tunnel and waits for them to end.
func (p *Proxy) Close() {
	p.httpServer.CloseClientConnections()
	p.httpServer.Close()

	p.mu.Lock()
	p.closed = true
	for conn := range p.tunnels {
		conn.Close()
	}
	p.mu.Unlock()

	p.wg.Wait()
	p.transport.CloseIdleConnections()
}

// Count returns how many tunnels and forwarded requests the proxy carried for host, a
// host:port route key.
func (p *Proxy) Count(host string) int {
	key, err := routeKey(host, "")
	if err != nil {
		return 0
	}

	p.mu.Lock()
	defer p.mu.Unlock()

	return p.counts[key]
}

// Refused returns every request the proxy refused, oldest first, as its method and
// request target: "CONNECT evil.example:443", "GET http://evil.example/".
func (p *Proxy) Refused() []string {
	p.mu.Lock()
	defer p.mu.Unlock()

	return append([]string(nil), p.refused...)
}

func (p *Proxy) serveHTTP(w http.ResponseWriter, r *http.Request) {
	var key string
	var err error
	switch {
	case r.Method == http.MethodConnect:
		key, err = routeKey(r.Host, "")
	case r.URL.IsAbs() && r.URL.Scheme == "http":
		key, err = routeKey(r.URL.Host, "80")
	default:
		err = errors.New("not a proxy request")
	}

	target, routed := p.routes[key]
	if err != nil || !routed {
		p.refuse(w, r)
		return
	}

	p.mu.Lock()
	p.counts[key]++
	p.mu.Unlock()

	if r.Method == http.MethodConnect {
		p.tunnel(w, r, target)
		return
	}

	forward := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL.Host = target
			// The target serves the routed name, as the real host would.
			pr.Out.Host = pr.In.Host
		},
		Transport: p.transport,
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
			http.Error(w, "proxy: "+err.Error(), http.StatusBadGateway)
		},
	}
	forward.ServeHTTP(w, r)
}

func (p *Proxy) refuse(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.refused = append(p.refused, r.Method+" "+r.RequestURI)
	p.mu.Unlock()

	http.Error(w, "proxy: "+r.RequestURI+" is not routed", http.StatusForbidden)
}

// dialTarget dials addr only if it is one of the routed targets.
func (p *Proxy) dialTarget(ctx context.Context, _, addr string) (net.Conn, error) {
	if !p.targets[addr] {
		return nil, fmt.Errorf("proxy: %s is not a routed target", addr)
	}
	dialer := net.Dialer{Timeout: proxyDialTimeout}

	return dialer.DialContext(ctx, "tcp", addr)
}

// tunnel answers a CONNECT and relays bytes both ways between the client and target
// until either side closes.
func (p *Proxy) tunnel(w http.ResponseWriter, r *http.Request, target string) {
	upstream, err := p.dialTarget(r.Context(), "tcp", target)
	if err != nil {
		http.Error(w, "proxy: "+err.Error(), http.StatusBadGateway)
		return
	}

	client, buffered, err := http.NewResponseController(w).Hijack()
	if err != nil {
		upstream.Close()
		http.Error(w, "proxy: "+err.Error(), http.StatusInternalServerError)
		return
	}

	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		upstream.Close()
		client.Close()
		return
	}
	p.tunnels[client] = true
	p.tunnels[upstream] = true
	p.wg.Add(1)
	p.mu.Unlock()

	defer func() {
		client.Close()
		upstream.Close()

		p.mu.Lock()
		delete(p.tunnels, client)
		delete(p.tunnels, upstream)
		p.mu.Unlock()
		p.wg.Done()
	}()

	_, err = io.WriteString(client, "HTTP/1.1 200 Connection established\r\n\r\n")
	if err != nil {
		return
	}

	done := make(chan struct{}, 2)
	go func() {
		// The reader may hold bytes the client sent right after its CONNECT.
		_, _ = io.Copy(upstream, buffered.Reader)
		done <- struct{}{}
	}()
	go func() {
		_, _ = io.Copy(client, upstream)
		done <- struct{}{}
	}()

	// Once either side is done, closing both ends the other copy too.
	<-done
	client.Close()
	upstream.Close()
	<-done
}
