// Where the widgets call GitHub and Desk: the API roots (whitelisted in plugin-manifest.json) and the
// connection Desk adds the token through. `npm run pack --github-api-url` rewrites this file
// in the package for GitHub Enterprise; this copy is github.com's.
window.githubChannelDeployment = {
  githubApiUrl: 'https://api.github.com',
  githubConnection: 'github',
  deskApiUrl: 'https://desk.zoho.com',
  deskConnection: 'zohodesk',
};
