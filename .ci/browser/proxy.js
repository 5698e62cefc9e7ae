// A minimal reverse proxy, as a front server would be: serves the API under a path prefix and tells it so with
// the usual X-Forwarded-* headers. Usage: node proxy.js API_PORT PREFIX   (prints the port it listens on)
'use strict';
const http = require('node:http');

const target = Number(process.argv[2]);
const prefix = process.argv[3];

const server = http.createServer((request, response) => {
  if (request.url !== prefix && !request.url.startsWith(prefix + '/') && !request.url.startsWith(prefix + '?')) {
    response.writeHead(404).end();
    return;
  }
  const headers = {
    ...request.headers,
    host: `127.0.0.1:${target}`,
    'x-forwarded-for': request.socket.remoteAddress,
    'x-forwarded-proto': 'http',
    'x-forwarded-host': request.headers.host,
    'x-forwarded-prefix': prefix,
  };
  const path = request.url.slice(prefix.length);
  const upstream = http.request(
    { host: '127.0.0.1', port: target, method: request.method, path: path.startsWith('/') ? path : '/' + path, headers },
    (answer) => {
      response.writeHead(answer.statusCode, answer.headers);
      answer.pipe(response);
    });
  upstream.on('error', (error) => response.writeHead(502, { 'content-type': 'text/plain' }).end(String(error)));
  request.pipe(upstream);
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
