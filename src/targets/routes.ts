import { rules } from '../auth/access.js'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { authProblems, IdParamsSchema, ProblemSchema } from '../schemas.js'
import * as itemTargets from './item-service.js'
import {
  ITEM_TARGET_RULE, ItemTargetParamsSchema, ItemTargetSchema, SetItemTargetSchema, SetTargetSchema, TargetSchema,
  TeamItemTargetParamsSchema, TeamTargetParamsSchema, TARGET_RULE
} from './schemas.js'
import * as targets from './service.js'

const tags = ['results']
const deleted = { 200: TargetSchema, ...authProblems, 404: ProblemSchema }
const itemDeleted = { 200: ItemTargetSchema, ...authProblems, 404: ProblemSchema }

/** Targets on a survey's or a team's metric or item (docs/integrations.md, "Targets"). */
const routes: FastifyPluginAsyncZod = async (fastify) => {
  const { store, clock } = fastify

  fastify.put('/surveys/:id/target', {
    config: { access: rules.admin },
    schema: {
      tags,
      summary: 'Set the survey\'s target on its metric',
      description: `Results and the report then show whether the latest released period meets it: ${TARGET_RULE}`,
      params: IdParamsSchema,
      body: SetTargetSchema,
      response: { 200: TargetSchema, ...authProblems, 404: ProblemSchema }
    }
  }, async (request) => await store.transaction(tx =>
    targets.setSurveyTarget(tx, request.params.id, request.body.value, clock.now())))

  fastify.delete('/surveys/:id/target', {
    config: { access: rules.admin },
    schema: { tags, summary: 'Remove the survey\'s target', params: IdParamsSchema, response: deleted }
  }, async (request) => await store.transaction(tx => targets.deleteSurveyTarget(tx, request.params.id)))

  fastify.put('/teams/:team/targets/:metric', {
    config: { access: rules.admin },
    schema: {
      tags,
      summary: 'Set a team\'s target on a metric (across its surveys with that metric)',
      description: `GET /v1/results shows whether the team's latest month meets it: ${TARGET_RULE}`,
      params: TeamTargetParamsSchema,
      body: SetTargetSchema,
      response: { 200: TargetSchema, ...authProblems, 404: ProblemSchema }
    }
  }, async (request) => await store.transaction(tx =>
    targets.setTeamTarget(tx, request.params.team, request.params.metric, request.body.value, clock.now())))

  fastify.delete('/teams/:team/targets/:metric', {
    config: { access: rules.admin },
    schema: { tags, summary: 'Remove a team\'s target', params: TeamTargetParamsSchema, response: deleted }
  }, async (request) => await store.transaction(tx =>
    targets.deleteTeamTarget(tx, request.params.team, request.params.metric)))

  fastify.put('/surveys/:id/items/:key/target', {
    config: { access: rules.admin },
    schema: {
      tags,
      summary: 'Set the survey\'s target on one of its items (first-contact resolution ≥ 70 %, a rating\'s mean)',
      description: `Results and the report then show whether the latest released period meets it: ${ITEM_TARGET_RULE}`,
      params: ItemTargetParamsSchema,
      body: SetItemTargetSchema,
      response: itemDeleted
    }
  }, async (request) => await store.transaction(tx => itemTargets.setSurveyItemTarget(
    tx, request.params.id, request.params.key, request.body, clock.now())))

  fastify.delete('/surveys/:id/items/:key/target', {
    config: { access: rules.admin },
    schema: {
      tags, summary: 'Remove the survey\'s target on an item', params: ItemTargetParamsSchema, response: itemDeleted
    }
  }, async (request) => await store.transaction(tx =>
    itemTargets.deleteSurveyItemTarget(tx, request.params.id, request.params.key)))

  fastify.put('/teams/:team/items/:key/target', {
    config: { access: rules.admin },
    schema: {
      tags,
      summary: 'Set a team\'s target on an item key (across its surveys that ask it)',
      description: `GET /v1/results shows whether the team's latest month meets it: ${ITEM_TARGET_RULE}`,
      params: TeamItemTargetParamsSchema,
      body: SetItemTargetSchema,
      response: itemDeleted
    }
  }, async (request) => await store.transaction(tx => itemTargets.setTeamItemTarget(
    tx, request.params.team, request.params.key, request.body, clock.now())))

  fastify.delete('/teams/:team/items/:key/target', {
    config: { access: rules.admin },
    schema: {
      tags, summary: 'Remove a team\'s target on an item key', params: TeamItemTargetParamsSchema, response: itemDeleted
    }
  }, async (request) => await store.transaction(tx =>
    itemTargets.deleteTeamItemTarget(tx, request.params.team, request.params.key)))
}

export default routes
