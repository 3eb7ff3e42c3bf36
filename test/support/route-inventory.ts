import { RequestMethod, type INestApplication } from '@nestjs/common';
import { MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import { ACCESS_REQUIREMENT, type AccessRequirement } from '../../src/vocabulary/access.decorators.js';

export interface RouteInfo {
  method: string;
  path: string;
  controller: string;
  handler: string;
  requirement: AccessRequirement | undefined;
}

/** Every HTTP route the application serves, with the access statement it makes (if any). */
export function routeInventory(app: INestApplication): RouteInfo[] {
  const modules = app.get(ModulesContainer);
  const scanner = new MetadataScanner();
  const reflector = new Reflector();
  const routes: RouteInfo[] = [];
  const controllers = [...modules.values()].flatMap((m) => [...m.controllers.values()]);
  for (const wrapper of controllers) {
    const instance = wrapper.instance as object | undefined;
    if (!instance || !wrapper.metatype) continue;
    const prefix = normalise(Reflect.getMetadata('path', wrapper.metatype));
    for (const name of scanner.getAllMethodNames(Object.getPrototypeOf(instance))) {
      const handler = (instance as Record<string, unknown>)[name] as object;
      const path = Reflect.getMetadata('path', handler);
      const method = Reflect.getMetadata('method', handler);
      if (path === undefined || method === undefined) continue;
      const requirement = reflector.getAllAndOverride<AccessRequirement | undefined>(ACCESS_REQUIREMENT, [
        handler as never,
        wrapper.metatype as never,
      ]);
      const full = `/${[prefix, normalise(path)].filter(Boolean).join('/')}`;
      routes.push({ method: RequestMethod[method], path: full, controller: wrapper.name, handler: name, requirement });
    }
  }
  return routes;
}

function normalise(path: unknown): string {
  return String(path ?? '').replace(/^\/+|\/+$/g, '');
}
