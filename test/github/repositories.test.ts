import { expect } from 'chai';
import { readSettings } from '../../server/connectors/github/settings.js';
import { configuredRepos } from '../../widget/state.js';

describe('The repositories setting, as the server and the widget read it', () => {
  const typed = 'https://github.com/acme/docs.git, Acme/Widgets acme/widgets/';
  const picked = 'acme/tools';

  it('is the same list on both sides: a pasted URL is no phantom repository in the widget', () => {
    const server = readSettings({ repositories: typed, selected_repositories: picked }, Date.UTC(2026, 5, 1)).repositories;
    expect(server).to.deep.equal(['acme/docs', 'acme/widgets', 'acme/tools']);
    expect(configuredRepos(typed, picked)).to.deep.equal(server);
  });
});
