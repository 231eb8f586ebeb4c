package tokens_test

import "net/http"

// authRecorder returns a handler that reports each request's Authorization
// header.
func authRecorder(report func(auth string)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		report(r.Header.Get("Authorization"))
		w.WriteHeader(http.StatusOK)
	})
}
