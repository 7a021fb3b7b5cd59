import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import Fastify from 'fastify'
import app, { serverOptions } from './app.js'
import { loadConfig } from './config.js'
import { projectRoot } from './paths.js'

export const openapiFile = join(projectRoot, 'openapi', 'openapi.json')

/** The OpenAPI document as the routes declare it, from an app on a throwaway in-memory database. */
export async function generateOpenApi (): Promise<string> {
  const config = loadConfig({ DATABASE_URL: ':memory:', LOG_LEVEL: 'silent' })
  const fastify = Fastify(serverOptions(config))
  try {
    await fastify.register(app, { config })
    await fastify.ready()
    return `${JSON.stringify(fastify.swagger(), null, 2)}\n`
  } finally {
    await fastify.close()
  }
}

/** Writes openapi/openapi.json; with `check`, only tells whether the committed file is current. */
export async function writeOpenApi (check: boolean): Promise<{ current: boolean }> {
  const generated = await generateOpenApi()
  let committed = ''
  try {
    committed = readFileSync(openapiFile, 'utf8')
  } catch {}
  if (!check && committed !== generated) {
    mkdirSync(dirname(openapiFile), { recursive: true })
    writeFileSync(openapiFile, generated)
  }
  return { current: committed === generated }
}
