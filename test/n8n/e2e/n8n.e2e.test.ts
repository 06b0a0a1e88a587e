/**
 * End to end in a real n8n 2.41.1: the connector package, packed and installed as n8n installs community packages,
 * runs three workflows with `n8n execute` against the real proxy (between the fake OpenAI upstream and the fake
 * PostHog). Each run must answer with the fake's text and produce one `$ai_generation` event for its user id.
 *
 * The first run installs n8n into a cache outside the repo (about 8 min; .ci/run does it before `npm test`).
 * Only when that install cannot be had is the suite skipped, loudly; with CI set (or OPENSTACK_N8N_E2E=required)
 * a failed install fails the suite instead.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { FAKE_TEXT, FAKE_USAGE, MODEL_SNAPSHOTS } from '../../fakes/openai-upstream.ts'
import type { CapturedEvent } from '../../fakes/posthog-capture.ts'
import { KEYS } from '../../harness/config.ts'
import { repoRoot } from '../../harness/proxy-process.ts'
import { type Stack, startStack } from '../../harness/stack.ts'
import { ensureN8n, N8N_VERSION } from './install-n8n.mjs'
import type { N8nInstall } from './install-n8n.d.mts'
import { buildAndPack, freePort, installCommunityPackage, mustRun, n8n, n8nEnv, nodeOutput, parseRunOutput } from './n8n.ts'
import { type Tap, startTap } from './tap.ts'
import { CASES, credentialsFile, MODEL, NO_USER_WORKFLOW_ID, noUserWorkflow, PROMPT, messageCase, type WorkflowCase } from './workflows.ts'

const ci = process.env.CI
const required = process.env.OPENSTACK_N8N_E2E === 'required' || (ci !== undefined && !['', '0', 'false'].includes(ci.toLowerCase()))
const connectorDir = join(repoRoot, 'connectors', 'n8n')

function loudSkip(reason: string, detail: string): void {
  const bar = '!'.repeat(100)
  const quoted = detail.split('\n').map((line) => `!!   ${line}`).join('\n')
  console.error(`\n${bar}\n!! n8n END-TO-END TEST SKIPPED: ${reason}\n${quoted}\n!! Install by hand: node test/n8n/e2e/install-n8n.mjs\n${bar}\n`)
}

describe(`n8n ${N8N_VERSION} runs the n8n-nodes-openstack package against the proxy`, () => {
  let install: N8nInstall | undefined
  let skipReason: string | undefined
  let stack: Stack | undefined
  let tap: Tap | undefined
  let workDir: string | undefined
  let env: NodeJS.ProcessEnv = {}

  beforeAll(async () => {
    try {
      install = await ensureN8n({ log: (line) => console.log(`[install-n8n] ${line}`) })
    } catch (err) {
      if (required) throw err
      skipReason = `n8n ${N8N_VERSION} could not be installed`
      loudSkip(skipReason, err instanceof Error ? err.message : String(err))
      return
    }
    stack = await startStack('node')
    tap = await startTap(stack.proxy.url)
    workDir = mkdtempSync(join(tmpdir(), 'openstack-n8n-e2e-'))
    const userFolder = join(workDir, 'user')
    env = n8nEnv(install, userFolder, { port: await freePort(), brokerPort: await freePort() })

    const tarball = await buildAndPack(connectorDir, join(workDir, 'pack'), process.env)
    await installCommunityPackage(tarball, userFolder, process.env)

    // The credential's base URL is the proxy's, through the tap that records what n8n sent.
    const credsPath = join(workDir, 'credentials.json')
    writeFileSync(credsPath, JSON.stringify(credentialsFile(`${tap.url}/v1`, KEYS.main)))
    const workflowsPath = join(workDir, 'workflows.json')
    writeFileSync(workflowsPath, JSON.stringify([...CASES.map((c) => c.workflow), noUserWorkflow]))
    for (const args of [['import:credentials', `--input=${credsPath}`], ['import:workflow', `--input=${workflowsPath}`]]) {
      await mustRun(install.nodeBin, [install.n8nBin, ...args], { cwd: userFolder, env, timeoutMs: 120_000 })
    }
  }, 35 * 60_000)

  afterAll(async () => {
    await tap?.close()
    await stack?.stop()
    if (workDir) rmSync(workDir, { recursive: true, force: true })
  })

  test.for(CASES)('$name: answers, and PostHog gets one generation event for its user', async (c: WorkflowCase, ctx) => {
    if (skipReason) ctx.skip(skipReason)
    const proxied = stack!
    const firstTapped = tap!.calls.length
    const firstUpstream = proxied.upstream.chatRequests.length

    const result = await n8n(install!, env, ['execute', `--id=${c.id}`, '--rawOutput'], 180_000)
    const explain = `n8n execute --id=${c.id}: ${result.signal ?? `exit ${result.code}`} in ${result.ms} ms\n${result.stdout.slice(-3000)}\n${result.stderr.slice(-3000)}`
    expect(result.code, explain).toBe(0)
    const run = parseRunOutput(result.stdout)
    expect(run.data.resultData.error, explain).toBeUndefined()
    const [item] = nodeOutput(run, c.outputNode)
    expect(item?.[c.textField]).toBe(FAKE_TEXT)

    // What n8n sent the proxy: the credential's key, and the user id in both places the SPEC names.
    const tapped = tap!.calls.slice(firstTapped).filter((call) => call.method === 'POST' && call.path === '/v1/chat/completions')
    expect(tapped).toHaveLength(1)
    const sent = tapped[0]!
    expect(sent.headers.authorization).toBe(`Bearer ${KEYS.main}`)
    expect(sent.headers['x-openstack-user']).toBe(c.userId)
    expect(sent.body).toMatchObject({ model: MODEL, user: c.userId })
    expect(JSON.stringify(sent.body)).toContain(PROMPT)
    expect(sent.status).toBe(200)

    // What reached the provider: the body as sent (the proxy strips X-Openstack-* headers, never the body's user).
    const upstream = proxied.upstream.chatRequests.slice(firstUpstream)
    expect(upstream).toHaveLength(1)
    expect(upstream[0]!.body).toMatchObject({ model: MODEL, user: c.userId })

    const event: CapturedEvent = await proxied.posthog.waitForEvent((e) => e.distinct_id === c.userId, 10_000)
    expect(event.event).toBe('$ai_generation')
    expect(event.properties).toMatchObject({
      $ai_model: MODEL_SNAPSHOTS[MODEL],
      $ai_provider: 'openai',
      $ai_input_tokens: FAKE_USAGE.default.prompt_tokens,
      $ai_output_tokens: FAKE_USAGE.default.completion_tokens,
      $ai_http_status: 200,
      $ai_is_error: false,
    })
    const cost = event.properties.$ai_total_cost_usd as unknown
    expect(typeof cost === 'number' && cost > 0, `$ai_total_cost_usd = ${String(cost)}`).toBe(true)
    expect(proxied.posthog.events.filter((e) => e.distinct_id === c.userId)).toHaveLength(1)

    if (c === messageCase) {
      // The simplified output carries the proxy's cost header and usage.
      expect(item).toMatchObject({ model: MODEL_SNAPSHOTS[MODEL], cost_usd: cost })
      const { prompt_tokens, completion_tokens } = FAKE_USAGE.default
      expect(item?.usage).toEqual({ input_tokens: prompt_tokens, output_tokens: completion_tokens })
    }
  })

  test('a blank user id fails the run before any call to the proxy', async (ctx) => {
    if (skipReason) ctx.skip(skipReason)
    const firstTapped = tap!.calls.length
    const result = await n8n(install!, env, ['execute', `--id=${NO_USER_WORKFLOW_ID}`, '--rawOutput'], 180_000)
    const explain = `${result.signal ?? `exit ${result.code}`}\n${result.stdout.slice(-3000)}\n${result.stderr.slice(-3000)}`
    // A failed run exits 1, except that n8n 2.41.1 often dies of SIGSEGV on that exit path (after the run is printed
    // and stored): any non-zero end is the failure, and the printed run says why.
    expect(result.code, explain).not.toBe(0)
    const run = parseRunOutput(result.stdout)
    expect(run.status).toBe('error')
    expect(run.data.resultData.runData.OpenStack?.[0]?.error?.message).toMatch(/^User ID is empty/)
    expect(tap!.calls.slice(firstTapped)).toHaveLength(0)
  })
})
