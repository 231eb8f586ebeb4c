// The webhook peer: Zoom's Node.js webhook sample
// (https://github.com/zoom/webhook-sample, index.js), kept as it is except
// that it does not console.log every request (logging to a terminal or a
// pipe would slow the peer and flatter sfzoom) and answers 401 to a bad
// signature (the sample answers 200 "Unauthorized", which a load generator
// could not tell from a verified delivery). Like the sample it verifies the
// x-zm-signature (HMAC-SHA256 over v0:{timestamp}:{body}, hex), answers
// endpoint.url_validation, and stores nothing.
//
// Environment: PORT, ZOOM_WEBHOOK_SECRET_TOKEN.
const express = require('express')
const bodyParser = require('body-parser')
const crypto = require('crypto')

const app = express()
const port = process.env.PORT || 4000
const secret = process.env.ZOOM_WEBHOOK_SECRET_TOKEN

app.use(bodyParser.json())

app.post('/webhook', (req, res) => {
  const message = `v0:${req.headers['x-zm-request-timestamp']}:${JSON.stringify(req.body)}`
  const signature = `v0=${crypto.createHmac('sha256', secret).update(message).digest('hex')}`
  if (req.headers['x-zm-signature'] !== signature) {
    res.status(401)
    res.json({ message: 'Unauthorized request to Webhook Sample Node.js.', status: 401 })
    return
  }
  if (req.body.event === 'endpoint.url_validation') {
    const hash = crypto.createHmac('sha256', secret).update(req.body.payload.plainToken).digest('hex')
    res.status(200)
    res.json({ plainToken: req.body.payload.plainToken, encryptedToken: hash })
    return
  }
  res.status(200)
  res.json({ message: 'Authorized request to Webhook Sample Node.js.', status: 200 })
})

app.listen(port, '127.0.0.1', () => console.log(`webhook peer listening on port ${port}`))
