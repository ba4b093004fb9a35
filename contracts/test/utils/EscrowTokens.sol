// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @dev A plain mintable ERC-20 with configurable decimals.
contract MintableToken is ERC20 {
    uint8 private immutable _decimals;

    constructor(string memory name, uint8 decimals_) ERC20(name, name) {
        _decimals = decimals_;
    }

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function decimals() public view override returns (uint8) {
        return _decimals;
    }
}

/// @dev Burns 1% of every transfer: the receiver gets less than was sent.
contract FeeOnTransferToken is MintableToken {
    constructor() MintableToken("FOT", 18) {}

    function _update(address from, address to, uint256 value) internal override {
        uint256 fee = from == address(0) ? 0 : value / 100;
        super._update(from, to, value - fee);
        if (fee != 0) super._update(from, address(0), fee);
    }
}

/// @dev A token whose owner blacklists accounts: transfers to or from them revert.
contract BlacklistToken is MintableToken {
    error Blacklisted(address account);

    mapping(address => bool) public blacklisted;

    constructor() MintableToken("BLK", 6) {}

    function setBlacklisted(address account, bool value) external {
        blacklisted[account] = value;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (blacklisted[from]) revert Blacklisted(from);
        if (blacklisted[to]) revert Blacklisted(to);
        super._update(from, to, value);
    }
}

/// @dev Like USDT: `transfer`, `transferFrom` and `approve` return nothing.
contract NoReturnToken {
    string public constant name = "Tether-like";
    string public constant symbol = "USDTL";
    uint8 public constant decimals = 6;
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    function mint(address to, uint256 amount) external {
        balanceOf[to] += amount;
        totalSupply += amount;
    }

    function approve(address spender, uint256 amount) external {
        allowance[msg.sender][spender] = amount;
    }

    function transfer(address to, uint256 amount) external {
        balanceOf[msg.sender] -= amount;
        balanceOf[to] += amount;
    }

    function transferFrom(address from, address to, uint256 amount) external {
        allowance[from][msg.sender] -= amount;
        balanceOf[from] -= amount;
        balanceOf[to] += amount;
    }
}

/// @dev A token that calls back into a target during every transfer, once armed.
contract ReentrantToken is MintableToken {
    address public target;
    bytes public payload;
    bool public reentered;
    bytes public reentryError;

    constructor() MintableToken("REE", 18) {}

    function arm(address target_, bytes calldata payload_) external {
        target = target_;
        payload = payload_;
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        address t = target;
        if (t != address(0)) {
            target = address(0);
            (bool ok, bytes memory err) = t.call(payload);
            reentered = ok;
            reentryError = err;
        }
    }
}

/// @dev A contract account that refuses the native coin.
contract RejectingReceiver {
    receive() external payable {
        revert();
    }
}

/// @dev A contract account that re-enters `target` with `payload` when it receives the native
/// coin, and records whether the re-entry succeeded.
contract ReentrantReceiver {
    address public target;
    bytes public payload;
    bool public reentered;
    bytes public reentryError;
    uint256 public received;

    function arm(address target_, bytes calldata payload_) external {
        target = target_;
        payload = payload_;
    }

    function call(address to, bytes calldata data) external payable returns (bytes memory) {
        (bool ok, bytes memory ret) = to.call{value: msg.value}(data);
        if (!ok) {
            assembly {
                revert(add(ret, 32), mload(ret))
            }
        }
        return ret;
    }

    receive() external payable {
        received += msg.value;
        address t = target;
        if (t != address(0)) {
            target = address(0);
            (bool ok, bytes memory err) = t.call(payload);
            reentered = ok;
            reentryError = err;
        }
    }
}
