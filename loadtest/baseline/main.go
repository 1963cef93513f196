// Command baseline is the comparison point for load runs: Go's standard
// net/http reverse proxy in front of the same upstream, nothing else.
package main

import (
	"flag"
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:18081", "listen address")
	upstream := flag.String("upstream", "http://127.0.0.1:18080", "upstream base URL")
	flag.Parse()
	target, err := url.Parse(*upstream)
	if err != nil {
		log.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.FlushInterval = -1 // flush SSE at once, like the gateway
	proxy.Transport = &http.Transport{MaxIdleConnsPerHost: 1024, MaxIdleConns: 1024}
	log.Fatal(http.ListenAndServe(*listen, proxy))
}
