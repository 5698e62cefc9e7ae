// Platformatic DB in one process (no Watt runtime), from ./platformatic.json.
// Env: PLT_HOST, PLT_PORT, PLT_DATABASE_URL, PLT_POOL_SIZE.
// Platformatic's config transform binds every interface when it detects a container; the host is forced back
// to PLT_HOST (loopback) here.
import { create } from '@platformatic/db'
const host = process.env.PLT_HOST || '127.0.0.1'
const app = await create(process.cwd(), 'platformatic.json')
app.config.server.hostname = host
if (app.serverConfig) app.serverConfig.hostname = host
const url = await app.start({ listen: true })
console.log('PLATFORMATIC_READY', url, 'pid', process.pid)
const stop = async () => { await app.stop(); process.exit(0) }
process.on('SIGTERM', stop); process.on('SIGINT', stop)
