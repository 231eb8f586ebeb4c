// Zoom's Node.js webhook sample (https://github.com/zoom/webhook-sample,
// index.js), kept as it is except that it does not console.log every
// request (logging to a terminal or a pipe would slow the peer and flatter
// sfzoom) and answers 401 to a bad signature (the sample answers 200
// "Unauthorized", which a load generator could not tell from a verified
// delivery). Like the sample it verifies the x-zm-signature (HMAC-SHA256
// over v0:{timestamp}:{body}, hex) and answers endpoint.url_validation.
//
// sampleApp returns the sample's express app. With store, an async
// function of the parsed delivery, a verified delivery is answered 200 only
// once store has resolved, and 503 when it rejects (Zoom then sends it
// again); without, nothing is stored, as in the sample.
const express = require('express')
const bodyParser = require('body-parser')
const crypto = require('crypto')

function sampleApp (secret, store) {
  const app = express()
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
    const authorized = () => {
      res.status(200)
      res.json({ message: 'Authorized request to Webhook Sample Node.js.', status: 200 })
    }
    if (!store) {
      authorized() // as the sample: synchronously, nothing stored
      return
    }
    store(req.body).then(authorized, () => {
      res.status(503)
      res.json({ message: 'The delivery could not be stored; Zoom will send it again.', status: 503 })
    })
  })
  return app
}

module.exports = { sampleApp }
