// The Canvas peer: a Node Canvas app entry point as the Salesforce Canvas
// samples build it (express, the salesforce-signed-request package,
// https://github.com/rajaraodv/salesforce-signed-request): POST /canvas takes
// the signed_request form field, verifies its HMAC-SHA256 signature with the
// consumer secret
// (https://developer.salesforce.com/docs/atlas.en-us.platform_connect.meta/platform_connect/canvas_app_signed_req_authentication.htm),
// and renders a small HTML page for the user and the record. It keeps no
// session and writes nothing.
//
// Environment: PORT, CANVAS_CONSUMER_SECRET.
const express = require('express')
const bodyParser = require('body-parser')
const decode = require('salesforce-signed-request')

const app = express()
const port = process.env.PORT || 4001
const secret = process.env.CANVAS_CONSUMER_SECRET

app.use(bodyParser.urlencoded({ extended: false }))

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

app.post('/canvas', (req, res) => {
  const data = decode(req.body.signed_request, secret)
  if (data instanceof Error) {
    res.status(401).send(escape(data.message))
    return
  }
  const user = data.context.user
  const record = data.context.environment.record || {}
  res.status(200).type('html').send(`<!doctype html><html><head><meta charset="utf-8"><title>Zoom</title></head>` +
    `<body><h1>Meetings</h1><p>Signed in as ${escape(user.fullName)} (${escape(user.email)}).</p>` +
    `<p>Record ${escape(record.Id || '')} in ${escape(data.context.organization.name)}.</p></body></html>`)
})

app.listen(port, '127.0.0.1', () => console.log(`canvas peer listening on port ${port}`))
