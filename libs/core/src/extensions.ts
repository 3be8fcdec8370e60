import { Global, Injectable, Module } from '@nestjs/common';
import { DiscoveryModule, DiscoveryService } from '@nestjs/core';

/**
 * A named place where modules plug in (channels, inbound appliers, conversation hooks, bot
 * connectors…). The type parameter is the contract every extension of this point implements.
 */
export class ExtensionPoint<T> {
  /** Only carries the contract type (never set). */
  declare readonly contract?: T;

  constructor(readonly name: string) {}
}

const EXTENDS_KEY = 'ccm.extension-points';

/**
 * The one extension mechanism of ccm: a provider class marked `@Extends(POINT)` and listed in its own
 * module's `providers` is found by whoever asks `Extensions.get(POINT)` — no setter, no registration
 * call, no global module. A class may extend several points (one decorator per point); the compiler
 * checks that it implements each point's contract.
 */
export function Extends<T>(point: ExtensionPoint<T>): (target: abstract new (...args: never[]) => T) => void {
  return (target) => {
    const points = (Reflect.getMetadata(EXTENDS_KEY, target) as string[] | undefined) ?? [];
    Reflect.defineMetadata(EXTENDS_KEY, [...points, point.name], target);
  };
}

function extendsPoint(instance: unknown, point: ExtensionPoint<unknown>): boolean {
  if (typeof instance !== 'object' || instance === null) return false;
  const points = Reflect.getMetadata(EXTENDS_KEY, instance.constructor) as string[] | undefined;
  return points?.includes(point.name) ?? false;
}

/** Every extension of a point, in module order. */
export abstract class Extensions {
  abstract get<T>(point: ExtensionPoint<T>): readonly T[];
}

/** Extensions found among a fixed list of instances (unit specs, tools). */
export class ListedExtensions extends Extensions {
  constructor(private readonly instances: readonly object[]) {
    super();
  }

  get<T>(point: ExtensionPoint<T>): readonly T[] {
    return this.instances.filter((i) => extendsPoint(i, point)) as T[];
  }
}

/**
 * Extensions found among the application's providers with Nest's DiscoveryService. Looked up on first
 * use (never from a constructor: providers are all created before any lifecycle hook runs), then cached.
 */
@Injectable()
export class DiscoveredExtensions extends Extensions {
  private readonly found = new Map<string, readonly unknown[]>();

  constructor(private readonly discovery: DiscoveryService) {
    super();
  }

  get<T>(point: ExtensionPoint<T>): readonly T[] {
    let list = this.found.get(point.name);
    if (!list) {
      const seen = new Set<unknown>();
      for (const wrapper of this.discovery.getProviders()) {
        const instance: unknown = wrapper.isDependencyTreeStatic() ? wrapper.instance : undefined;
        if (seen.has(instance) || !extendsPoint(instance, point)) continue;
        seen.add(instance);
      }
      list = [...seen];
      this.found.set(point.name, list);
    }
    return list as T[];
  }
}

/** Makes `Extensions` available everywhere (imported once, by the app module). */
@Global()
@Module({
  imports: [DiscoveryModule],
  providers: [{ provide: Extensions, useClass: DiscoveredExtensions }],
  exports: [Extensions],
})
export class ExtensionsModule {}
