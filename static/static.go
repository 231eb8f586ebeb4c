// Package static holds sfzoom's browser assets (the app's CSS and script, the
// vendored Salesforce Lightning Design System and htmx; see VENDORED.md) and
// serves them under content-hashed URLs.
//
// Templates call Path("css/app.css") and get "/static/css/app.3f2a9c1e.css";
// Handler serves that name with a year-long immutable cache, so a deploy that
// changes a file changes its URL and browsers never see a stale asset.
package static

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

// FS holds the embedded asset tree: css/, js/, img/ and vendor/.
//
//go:embed css js img vendor
var FS embed.FS

// Prefix is the URL path under which the assets are served. Mount Handler
// there, e.g. e.GET("/static/*", echo.WrapHandler(static.Handler())).
const Prefix = "/static/"

// Cache-Control values. Hashed names never change content, so they may be
// cached for a year (RFC 8246 immutable); plain names are for humans and
// tools and are revalidated after a few minutes.
const (
	cacheImmutable = "public, max-age=31536000, immutable"
	cacheShort     = "public, max-age=300"
)

// hashLen is the number of hex digits of the SHA-256 content hash put into
// file names: 32 bits is plenty to tell versions of one file apart.
const hashLen = 8

// Assets serves the files of one file system under content-hashed names.
// It reads and hashes every file once, at construction, and is safe for
// concurrent use.
type Assets struct {
	files  map[string]*file // by name, e.g. "css/app.css"
	hashed map[string]*file // by hashed name, e.g. "css/app.3f2a9c1e.css"
}

type file struct {
	name        string
	hashedName  string
	hash        string // hashLen hex digits
	etag        string
	contentType string
	data        []byte
}

// New reads every regular file of fsys and computes its content hash.
func New(fsys fs.FS) (*Assets, error) {
	a := &Assets{files: map[string]*file{}, hashed: map[string]*file{}}
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		full := hex.EncodeToString(sum[:])
		f := &file{
			name:        name,
			hash:        full[:hashLen],
			etag:        `"` + full[:2*hashLen] + `"`,
			contentType: contentType(name),
			data:        data,
		}
		f.hashedName = hashedName(name, f.hash)
		a.files[name] = f
		a.hashed[f.hashedName] = f
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("static: read assets: %w", err)
	}
	return a, nil
}

// hashedName inserts hash before the last extension of name:
// "vendor/htmx/htmx.min.js" becomes "vendor/htmx/htmx.min.<hash>.js".
func hashedName(name, hash string) string {
	ext := path.Ext(name)
	return strings.TrimSuffix(name, ext) + "." + hash + ext
}

// unhash undoes hashedName: it returns the plain name and the hash when the
// segment before the extension looks like a hash.
func unhash(name string) (plain, hash string, ok bool) {
	ext := path.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	i := strings.LastIndexByte(stem, '.')
	if i < 0 || strings.Contains(stem[i:], "/") {
		return "", "", false
	}
	hash = stem[i+1:]
	if len(hash) != hashLen || strings.Trim(hash, "0123456789abcdef") != "" {
		return "", "", false
	}
	return stem[:i] + ext, hash, true
}

// contentType fixes the types of the extensions sfzoom ships, because
// mime.TypeByExtension depends on the host's mime tables.
func contentType(name string) string {
	ext := strings.ToLower(path.Ext(name))
	switch ext {
	case "": // LICENSE, NOTICE
		return "text/plain; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".png":
		return "image/png"
	case ".ico":
		return "image/x-icon"
	case ".woff2":
		return "font/woff2"
	case ".json":
		return "application/json"
	case ".txt":
		return "text/plain; charset=utf-8"
	case ".md":
		return "text/markdown; charset=utf-8"
	}
	if t := mime.TypeByExtension(ext); t != "" {
		return t
	}
	return "application/octet-stream"
}

// Path returns the URL of the named asset with its content hash, e.g.
// Path("css/app.css") returns "/static/css/app.3f2a9c1e.css". A leading
// slash or "/static/" prefix on name is ignored. An unknown name yields its
// plain URL, which Handler answers with 404, so a typo shows up as a broken
// asset rather than a crashed page.
func (a *Assets) Path(name string) string {
	name = clean(name)
	if f, ok := a.files[name]; ok {
		return Prefix + f.hashedName
	}
	return Prefix + name
}

func clean(name string) string {
	name = strings.TrimPrefix(name, Prefix)
	return strings.TrimPrefix(path.Clean("/"+name), "/")
}

// ServeHTTP serves the asset named by the request path, with or without the
// "/static/" prefix (so it works mounted with or without http.StripPrefix).
//
//   - A current hashed name gets Cache-Control immutable for a year.
//   - A plain name gets a short cache.
//   - A hashed name whose hash is stale (a page rendered before a deploy)
//     gets the current file with the short cache, never immutable, so an old
//     page still renders and no cache keeps the wrong content under that URL.
//   - Anything else, directories included, is 404.
//
// Only GET and HEAD are allowed. Conditional (ETag) and Range requests are
// handled by http.ServeContent.
func (a *Assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	name := clean(r.URL.Path)
	cache := cacheShort
	f, ok := a.hashed[name]
	if ok {
		cache = cacheImmutable
	} else if f, ok = a.files[name]; !ok {
		if plain, _, isHashed := unhash(name); isHashed {
			f, ok = a.files[plain]
		}
	}
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.contentType)
	h.Set("Cache-Control", cache)
	h.Set("ETag", f.etag)
	h.Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.data))
}

var (
	defaultOnce   sync.Once
	defaultAssets *Assets
)

// embedded returns the Assets built from FS, hashing the files on first use.
func embedded() *Assets {
	defaultOnce.Do(func() {
		var err error
		if defaultAssets, err = New(FS); err != nil {
			// The embedded tree is fixed at build time; failing to read it
			// is a broken binary, not a runtime condition.
			panic(err)
		}
	})
	return defaultAssets
}

// Path returns the content-hashed URL of an embedded asset, e.g.
// Path("css/app.css") returns "/static/css/app.3f2a9c1e.css".
// See (*Assets).Path.
func Path(name string) string { return embedded().Path(name) }

// Handler returns the handler that serves the embedded assets under Prefix.
// See (*Assets).ServeHTTP.
func Handler() http.Handler { return embedded() }
