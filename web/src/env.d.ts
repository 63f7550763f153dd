// Stylesheets are bundled by esbuild (build.mjs); to TypeScript they are side-effect imports.
declare module '*.css';
