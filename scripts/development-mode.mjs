// Preloaded by `npm run start:dev` (node --import): the watch-mode server runs
// as development, like `npm start`. A NODE_ENV already in the environment wins.
if (!process.env.NODE_ENV) process.env.NODE_ENV = 'development';
