package sfzoom

import "time"

// Connection providers.
const (
	ProviderZoomS2S    = "zoom_s2s"   // Zoom Server-to-Server OAuth (account credentials)
	ProviderZoomUser   = "zoom_user"  // a rep's own Zoom authorization
	ProviderSalesforce = "salesforce" // the integration user's Salesforce connection
)

// Connection statuses.
const (
	ConnectionActive    = "active"
	ConnectionReconnect = "reconnect_required" // the refresh token was refused: a person must reconnect
	ConnectionRevoked   = "revoked"
)

// Connection describes an OAuth connection. Its secrets live in the token
// vault, never here.
type Connection struct {
	ID        int64
	OrgID     string
	Provider  string
	Subject   string // Zoom user id, Salesforce user id, or the account id for S2S
	Status    string
	Scopes    string
	Detail    string // why it needs attention, safe to show
	CreatedAt time.Time
	UpdatedAt time.Time
}

// TokenRecord is an encrypted token as stored: the vault encrypts and
// decrypts, the store only keeps bytes. Version increases on every write and
// is used for compare-and-swap, so only one writer can rotate a refresh token.
type TokenRecord struct {
	ConnectionID int64
	KeyID        string
	Nonce        []byte
	Ciphertext   []byte
	Version      int64
	UpdatedAt    time.Time
}

// TokenAudit is one access to a token: who, what, when and why, never the secret.
type TokenAudit struct {
	ID           int64
	ConnectionID int64
	Actor        string // "system", a Salesforce user id, "cli"
	Action       string // read, write, refresh, revoke, rotate
	Reason       string
	At           time.Time
}
