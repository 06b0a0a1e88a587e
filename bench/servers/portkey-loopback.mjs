/**
 * Preloaded into Portkey's `start-server.js` (`node --import`): its `serve({ fetch, port })` passes no
 * hostname, so Node would listen on every interface. This makes that listen bind 127.0.0.1 instead, and
 * announces the address with the same `{"msg":"listening"}` line as the other benchmark servers.
 */
import { Server } from 'node:net'

const listen = Server.prototype.listen
Server.prototype.listen = function (port, host, ...rest) {
  if (typeof port !== 'number' || host !== undefined) {
    throw new Error(`portkey-loopback: unexpected listen(${[port, host].map(String).join(', ')}); only listen(port, undefined, cb) is handled`)
  }
  this.once('listening', () => {
    const { address, port: actual } = this.address()
    console.log(JSON.stringify({ msg: 'listening', url: `http://${address}:${actual}` }))
  })
  return listen.call(this, port, '127.0.0.1', ...rest)
}
