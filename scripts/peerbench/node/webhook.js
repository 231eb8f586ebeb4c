// The webhook peer: Zoom's Node.js webhook sample as zoom-sample.js keeps
// it, storing nothing.
//
// Environment: PORT, ZOOM_WEBHOOK_SECRET_TOKEN.
const { sampleApp } = require('./zoom-sample')

const port = process.env.PORT || 4000
sampleApp(process.env.ZOOM_WEBHOOK_SECRET_TOKEN)
  .listen(port, '127.0.0.1', () => console.log(`webhook peer listening on port ${port}`))
