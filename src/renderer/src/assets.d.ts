// Images the bundler copies into the build and imports as their URL (the app's own origin).
declare module '*.svg' {
  const url: string;
  export default url;
}
