// Package recordings is sfzoom's permission-checking media proxy for Zoom
// cloud recordings, plus what the record page needs to show them: the list of
// files, the AI summary rendered safely from Markdown and the transcript
// parsed from WebVTT.
//
// The browser never sees a Zoom URL or token. The record page hands the
// player a media URL signed by sfzoom (Signer) that binds the Salesforce org,
// the Salesforce user, the recording file and an expiry, because a <video>
// element inside the Canvas iframe can send neither headers nor, reliably,
// cookies: the signed URL is the credential. For every request Proxy
//
//  1. verifies the signed URL (403 when tampered with or expired);
//  2. checks that this user can still read the Salesforce record the meeting
//     is linked to (UserRecordAccess through the integration connection,
//     cached for a short configurable time so the many Range requests of one
//     playback do not each cost an API call; 403 when not);
//  3. asks Zoom for the file's current download_url (cached for a few
//     seconds), lets the zoom client follow Zoom's redirect to the storage
//     URL server-side, and refuses "HTTP 200 + HTML page" answers;
//  4. streams the bytes with full Range support (206, Content-Range,
//     If-Range, 416) through a fixed-size buffer, never holding a whole file
//     in memory; a client that goes away cancels the upstream request;
//  5. writes one audit entry (user, file, range, status, bytes, result).
//
// The package reaches Zoom, Salesforce and the store only through the small
// interfaces declared here; cmd/sfzoom adapts the concrete clients.
package recordings
