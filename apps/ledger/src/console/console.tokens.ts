export const CONSOLE_ASSETS = Symbol('CONSOLE_ASSETS');
