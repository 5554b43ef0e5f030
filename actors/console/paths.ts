// Where the console lives in the data dir (shared by the server and the `agentcom console` client).
import { join } from 'node:path'

export const CONSOLE_SOCKET_FILE = 'console.sock'
export const ADMIN_TOKEN_FILE = 'admin.token'

export const consoleSocketPath = (dataDir: string): string => join(dataDir, CONSOLE_SOCKET_FILE)
export const adminTokenPath = (dataDir: string): string => join(dataDir, ADMIN_TOKEN_FILE)
